import { describe, expect, test } from "bun:test";
import { ApiRateLimiter } from "../../src/domain/api-rate-limiter";

const takeMany = (limiter: ApiRateLimiter, key: string, n: number, now: number) => Array.from({ length: n }, () => limiter.take(key, now));

describe("the API rate limit per source address (a token bucket)", () => {
  test("a burst of 5 × N goes through at once; the next request waits", () => {
    const limiter = new ApiRateLimiter(10);
    expect(takeMany(limiter, "198.51.100.7", 50, 0).every((w) => w === 0)).toBe(true);
    expect(limiter.take("198.51.100.7", 0)).toBe(1);
  });

  test("tokens come back at N a second, never past the burst", () => {
    const limiter = new ApiRateLimiter(10);
    takeMany(limiter, "a", 50, 0);
    expect(limiter.take("a", 99)).toBe(1); // 0.99 of a token
    expect(limiter.take("a", 100)).toBe(0); // one token after 100 ms
    expect(limiter.take("a", 100)).toBe(1);
    // An hour idle refills to the burst, not more.
    expect(takeMany(limiter, "a", 50, 3_600_000).every((w) => w === 0)).toBe(true);
    expect(limiter.take("a", 3_600_000)).toBe(1);
  });

  test("Retry-After is the whole seconds until a token is back, at least 1", () => {
    const limiter = new ApiRateLimiter(1, { burst: 1 });
    expect(limiter.take("a", 0)).toBe(0);
    expect(limiter.take("a", 0)).toBe(1);
    const slow = new ApiRateLimiter(0.1, { burst: 1 });
    expect(slow.take("a", 0)).toBe(0);
    expect(slow.take("a", 2_000)).toBe(8); // 0.2 of a token back; 8 s more for the rest
  });

  test("each address has its own bucket", () => {
    const limiter = new ApiRateLimiter(1);
    takeMany(limiter, "a", 5, 0);
    expect(limiter.take("a", 0)).toBeGreaterThan(0);
    expect(limiter.take("b", 0)).toBe(0);
  });

  test("a clock that goes back refills nothing and breaks nothing", () => {
    const limiter = new ApiRateLimiter(1);
    takeMany(limiter, "a", 5, 10_000);
    expect(limiter.take("a", 5_000)).toBe(1);
    expect(limiter.take("a", 6_000)).toBe(0);
  });

  test("0 turns the limit off", () => {
    const limiter = new ApiRateLimiter(0);
    expect(takeMany(limiter, "a", 10_000, 0).every((w) => w === 0)).toBe(true);
    expect(limiter.tracked).toBe(0);
  });

  test("memory is bounded: past maxTracked addresses the least recently seen is forgotten", () => {
    const limiter = new ApiRateLimiter(1, { maxTracked: 3 });
    takeMany(limiter, "a", 5, 0); // a is empty
    limiter.take("b", 0);
    limiter.take("c", 0);
    limiter.take("a", 0); // a is the most recent now; b the least
    limiter.take("d", 0);
    expect(limiter.tracked).toBe(3);
    expect(limiter.take("a", 0)).toBe(1); // a was kept: still empty
    for (let i = 0; i < 10_000; i++) limiter.take(`x${i}`, 0);
    expect(limiter.tracked).toBe(3);
  });
});
