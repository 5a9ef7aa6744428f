import { describe, expect, test } from "bun:test";
import { GLOBAL_PER_SECOND, LoginThrottle, MAX_FAILURES } from "../../src/domain/login-throttle";

const fail = (t: LoginThrottle, address: string, at: number, times: number) => {
  for (let i = 0; i < times; i++) {
    expect(t.attempt(address, at).allowed).toBe(true);
    t.failed(address, at);
  }
};

describe("login throttle", () => {
  test("locks an address after five failures within a minute, for 30 s at first", () => {
    const t = new LoginThrottle();
    fail(t, "a", 0, MAX_FAILURES);
    expect(t.attempt("a", 1000)).toEqual({ allowed: false, retryAfterSeconds: 29 });
    expect(t.attempt("a", 30_000).allowed).toBe(true);
  });

  test("failures spread over more than a minute do not lock", () => {
    const t = new LoginThrottle();
    for (let i = 0; i < 10; i++) fail(t, "a", i * 20_000, 1);
    expect(t.attempt("a", 200_000).allowed).toBe(true);
  });

  test("each lock in a row doubles, up to 15 minutes, and never becomes permanent", () => {
    const t = new LoginThrottle();
    let now = 0;
    const locks: number[] = [];
    for (let i = 0; i < 8; i++) {
      fail(t, "a", now, MAX_FAILURES);
      const d = t.attempt("a", now);
      if (d.allowed) throw new Error("expected a lock");
      locks.push(d.retryAfterSeconds);
      now += d.retryAfterSeconds * 1000;
    }
    expect(locks).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
    expect(t.attempt("a", now).allowed).toBe(true);
  });

  test("a success forgives the address", () => {
    const t = new LoginThrottle();
    fail(t, "a", 0, MAX_FAILURES - 1);
    t.succeeded("a");
    fail(t, "a", 0, MAX_FAILURES - 1);
    expect(t.attempt("a", 0).allowed).toBe(true);
  });

  test("an hour without failures forgives the lock count", () => {
    const t = new LoginThrottle();
    fail(t, "a", 0, MAX_FAILURES);
    fail(t, "a", 30_000, MAX_FAILURES);
    const later = 30_000 + 3_600_001 + 60_000;
    fail(t, "a", later, MAX_FAILURES);
    expect(t.attempt("a", later)).toEqual({ allowed: false, retryAfterSeconds: 30 });
  });

  test("caps checks across all addresses per second", () => {
    const t = new LoginThrottle();
    const allowed = Array.from({ length: 30 }, (_, i) => t.attempt(`addr-${i}`, 5_000).allowed).filter(Boolean);
    expect(allowed).toHaveLength(GLOBAL_PER_SECOND);
    expect(t.attempt("x", 5_000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(t.attempt("x", 5_100).allowed).toBe(true); // refills at 10 a second
  });
});

describe("known devices", () => {
  test("a known device is not refused by the global cap, nor by its address's lock", () => {
    const t = new LoginThrottle();
    fail(t, "a", 5_000, MAX_FAILURES);
    for (let i = 0; i < 30; i++) t.attempt(`addr-${i}`, 5_000);
    expect(t.attempt("x", 5_000).allowed).toBe(false);
    expect(t.attempt("a", 5_000).allowed).toBe(false);
    expect(t.attempt("a", 5_000, "device-1")).toEqual({ allowed: true });
  });

  test("its failures count against the device alone, which is locked like an address", () => {
    const t = new LoginThrottle();
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(t.attempt("a", 0, "device-1").allowed).toBe(true);
      t.failed("a", 0, "device-1");
    }
    expect(t.attempt("a", 1000, "device-1")).toEqual({ allowed: false, retryAfterSeconds: 29 });
    expect(t.attempt("b", 1000, "device-1").allowed).toBe(false); // moving to another address does not help
    expect(t.attempt("a", 1000).allowed).toBe(true);
    expect(t.attempt("a", 1000, "device-2").allowed).toBe(true);
  });

  test("a success forgives the device", () => {
    const t = new LoginThrottle();
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.failed("a", 0, "device-1");
    t.succeeded("a", "device-1");
    t.failed("a", 0, "device-1");
    expect(t.attempt("a", 0, "device-1").allowed).toBe(true);
  });
});
