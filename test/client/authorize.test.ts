import { afterEach, describe, expect, test } from "bun:test";
import { LtsClientError } from "../../src/client";
import { closedUrl } from "./fake-server";
import { eventsOf, makeWorld, tearDown } from "./world";

afterEach(tearDown);

const DAY = 86_400_000;

describe("authorize", () => {
  test("asks main with the protocol's fields and a fresh nonce, and returns the grant", async () => {
    const w = await makeWorld({ sp: "s3cret" });
    const client = w.client({ chargeWay: "scan", modules: ["qr"], validation: { domain: "app.example.com" } });
    const result = await client.authorize();
    expect(result).toMatchObject({ ok: true, fromCache: false, server: "main", license: { itemId: "1000001", chargeWay: "scan", validUntil: "2026-12-01T12:00:00.000Z" } });
    const [body] = w.main.received("authorize");
    expect(body).toEqual({
      handshakeCode: "100200-appA",
      organizationId: "100200",
      sessionPassword: "s3cret",
      device: { uuid: "device-0001", name: "Test device" },
      product: "dbr",
      version: 10,
      edition: "javascript",
      deploymentType: "browser",
      chargeWay: "scan",
      validation: { domain: "app.example.com" },
      modules: ["qr"],
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
    });
    expect(eventsOf(w.events, "granted")).toHaveLength(1);
  });

  test("uses a fresh nonce for every request", async () => {
    const w = await makeWorld();
    await w.client().authorize();
    await w.client().authorize();
    const [a, b] = w.main.received("authorize");
    expect(a!.nonce).not.toBe(b!.nonce);
  });

  test("a refusal is a typed result, not an exception", async () => {
    const w = await makeWorld();
    w.main.refuseAuthorize = { code: 111, name: "LICENSE_EXPIRED" };
    const client = w.client();
    expect(await client.authorize()).toEqual({ ok: false, code: 111, name: "LICENSE_EXPIRED", message: "LICENSE_EXPIRED (fake)", server: "main" });
    expect(client.status().state).toBe("refused");
  });

  test("works under a base path (URLs end with /)", async () => {
    const w = await makeWorld({ server: { basePath: "/lts/" } });
    expect(w.main.url).toEndWith("/lts/");
    expect((await w.client().authorize()).ok).toBe(true);
    expect(w.main.requests[0]!.path).toBe("/lts/api/v1/authorize");
  });
});

describe("response signatures", () => {
  const cases = [
    ["a tampered body", "tamper", /signature does not match/],
    ["a body signed by a key the license key does not pin", "unpinned", /does not pin/],
    ["a response without LTS-Signature", "unsigned", /no LTS-Signature header/],
    ["an answer echoing another nonce", "wrong-nonce", /nonce/],
  ] as const;

  for (const [what, behaviour, reason] of cases) {
    test(`rejects ${what} and fails over to standby`, async () => {
      const w = await makeWorld({ standby: true });
      w.main.behaviour = behaviour;
      const result = await w.client().authorize();
      expect(result).toMatchObject({ ok: true, server: "standby" });
      const [failed] = eventsOf(w.events, "server-failed");
      expect(failed).toMatchObject({ server: "main", next: "standby" });
      expect(failed!.reason).toMatch(reason);
    });

    test(`without a standby, ${what} leaves the client unauthorized`, async () => {
      const w = await makeWorld();
      w.main.behaviour = behaviour;
      const error = await w.client().authorize().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LtsClientError);
      expect((error as LtsClientError).kind).toBe("unreachable");
      expect((error as LtsClientError).message).toMatch(reason);
    });
  }

  test("a signed refusal is trusted (no failover)", async () => {
    const w = await makeWorld({ standby: true });
    w.main.refuseAuthorize = { code: 101, name: "HANDSHAKE_NOT_FOUND" };
    expect(await w.client().authorize()).toMatchObject({ ok: false, code: 101, server: "main" });
    expect(w.standby!.requests).toHaveLength(0);
  });
});

describe("failover", () => {
  test("main on a closed port: standby answers", async () => {
    const w = await makeWorld({ standby: true, mainUrl: closedUrl() });
    expect(await w.client().authorize()).toMatchObject({ ok: true, server: "standby" });
    expect(eventsOf(w.events, "server-failed")[0]!.reason).toMatch(/cannot reach the server/);
  });

  test("main answers 100 NOT_READY: standby answers, and the next request goes to main again", async () => {
    const w = await makeWorld({ standby: true });
    w.main.behaviour = "not-ready";
    expect(await w.client().authorize()).toMatchObject({ ok: true, server: "standby" });
    w.main.behaviour = "ok";
    expect(await w.client().authorize()).toMatchObject({ ok: true, server: "main" });
    expect(w.main.received("authorize")).toHaveLength(2);
    expect(w.standby!.received("authorize")).toHaveLength(1);
  });

  test("a main that does not answer in time: standby answers", async () => {
    const w = await makeWorld({ standby: true });
    w.main.stalled = true; // main never answers: only the 200 ms timeout can end the wait
    const requestSent = w.timers.nextSet();
    const answer = w.client({ timeoutMs: 200 }).authorize();
    await requestSent;
    await w.timers.advance(199);
    expect(eventsOf(w.events, "server-failed")).toHaveLength(0);
    await w.timers.advance(1);
    expect(await answer).toMatchObject({ ok: true, server: "standby" });
    expect(eventsOf(w.events, "server-failed")[0]!.reason).toMatch(/no answer within 200 ms/);
  });

  test("both not ready and no cache: the 100 refusal is returned", async () => {
    const w = await makeWorld({ standby: true });
    w.main.behaviour = "not-ready";
    w.standby!.behaviour = "not-ready";
    expect(await w.client().authorize()).toMatchObject({ ok: false, code: 100, server: "standby" });
  });
});

describe("the cached grant", () => {
  test("is used offline until validUntil, then the client refuses clearly", async () => {
    const w = await makeWorld();
    expect((await w.client().authorize()).ok).toBe(true);
    w.main.stop();

    w.clock.advance(2 * DAY);
    const offline = w.client();
    expect(await offline.authorize()).toMatchObject({ ok: true, fromCache: true, server: null, license: { validUntil: "2026-12-01T12:00:00.000Z" } });
    expect(eventsOf(w.events, "cache-used")).toHaveLength(1);
    expect(offline.status().state).toBe("granted");

    w.clock.set("2026-12-01T12:00:00.000Z");
    expect(offline.status().state).toBe("expired");
    const error = await w.client().authorize().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtsClientError);
    expect((error as LtsClientError).kind).toBe("unreachable");
    expect((error as LtsClientError).message).toContain("expired at 2026-12-01T12:00:00.000Z");
  });

  test("a running client answers from the cache without a request until half the grant's lifetime, then renews", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    w.clock.advance(DAY);
    expect(await client.authorize()).toMatchObject({ ok: true, fromCache: true });
    expect(w.main.received("authorize")).toHaveLength(1);
    w.clock.advance(DAY);
    expect(await client.authorize()).toMatchObject({ ok: true, fromCache: false, license: { validUntil: "2026-12-03T12:00:00.000Z" } });
    expect(w.main.received("authorize")).toHaveLength(2);
  });

  test("every start asks the server first", async () => {
    const w = await makeWorld();
    await w.client().authorize();
    await w.client().authorize();
    expect(w.main.received("authorize")).toHaveLength(2);
  });

  test("a grant for other settings is not reused", async () => {
    const w = await makeWorld();
    await w.client().authorize();
    w.main.stop();
    await expect(w.client({ edition: "cpp" }).authorize()).rejects.toThrow(/Could not reach the license server/);
  });

  test("a refusal forgets the cached grant", async () => {
    const w = await makeWorld();
    await w.client().authorize();
    w.main.refuseAuthorize = { code: 113, name: "LICENSE_REVOKED" };
    expect(await w.client().authorize()).toMatchObject({ ok: false, code: 113 });
    w.main.stop();
    await expect(w.client().authorize()).rejects.toThrow(LtsClientError);
  });
});

describe("the clock going back", () => {
  test("more than 24 h behind the latest time seen: the cache is distrusted, and offline that is a clear error", async () => {
    const w = await makeWorld();
    await w.client().authorize();
    w.main.stop();
    w.clock.advance(-25 * 3_600_000);
    const client = w.client();
    const error = await client.authorize().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LtsClientError);
    expect((error as LtsClientError).kind).toBe("clock-rolled-back");
    expect((error as LtsClientError).message).toMatch(/more than 24 hours behind/);
    expect(eventsOf(w.events, "clock-rolled-back")).toEqual([{ type: "clock-rolled-back", now: "2026-11-27T11:00:00.000Z", highWaterMark: "2026-11-28T12:00:00.000Z" }]);
    expect(client.status()).toMatchObject({ state: "expired", clockTrusted: false });
  });

  test("less than 24 h behind is tolerated", async () => {
    const w = await makeWorld();
    await w.client().authorize();
    w.main.stop();
    w.clock.advance(-23 * 3_600_000);
    expect(await w.client().authorize()).toMatchObject({ ok: true, fromCache: true });
    expect(eventsOf(w.events, "clock-rolled-back")).toHaveLength(0);
  });

  test("the server's time counts too: a client whose clock lags the server by days must ask the server", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    // Server (and real time) at 12:00; the device's clock now says two days earlier.
    const serverNow = w.clock.ms;
    const deviceClock = { ms: serverNow - 2 * DAY };
    const lagging = w.client({ clock: () => deviceClock.ms });
    expect(await lagging.authorize()).toMatchObject({ ok: true, fromCache: false });
    // Online, a server's fresh grant holds; the cache alone does not.
    expect(lagging.status()).toMatchObject({ state: "granted", clockTrusted: false });
    await lagging.authorize();
    expect(w.main.received("authorize")).toHaveLength(3);
    w.main.stop();
    await expect(lagging.authorize()).rejects.toThrow(/more than 24 hours behind/);
    expect(lagging.status().state).toBe("expired");
  });

  test("a server time that confirms the local clock clears a mark set by a clock that ran ahead", async () => {
    const w = await makeWorld();
    const device = { ms: w.clock.ms + 10 * DAY };
    const ahead = w.client({ clock: () => device.ms });
    await ahead.authorize();
    device.ms = w.clock.ms;
    const client = w.client();
    expect(await client.authorize()).toMatchObject({ ok: true, fromCache: false });
    expect(client.status().clockTrusted).toBe(true);
  });
});

describe("release", () => {
  test("a concurrent grant: POSTs handshakeCode, itemId, device and nonce, and forgets the grant", async () => {
    const w = await makeWorld({ server: { chargeWay: "concurrent-device", validForMs: 6 * 60_000 } });
    const client = w.client();
    await client.authorize();
    expect(await client.release()).toEqual({ ok: true, released: true });
    expect(w.main.received("release")).toEqual([{ handshakeCode: "100200-appA", itemId: "1000001", device: { uuid: "device-0001" }, nonce: expect.stringMatching(/^[A-Za-z0-9_-]{16,64}$/) }]);
    expect(eventsOf(w.events, "released")).toEqual([{ type: "released", itemId: "1000001", server: "main" }]);
    w.main.stop();
    await expect(w.client().authorize()).rejects.toThrow(LtsClientError);
  });

  test("flushes the usage before releasing the seat", async () => {
    const w = await makeWorld({ server: { chargeWay: "concurrent-device", validForMs: 6 * 60_000 } });
    const client = w.client();
    await client.authorize();
    client.count("qr", 2);
    await client.release();
    expect(w.main.requests.map((r) => r.path)).toEqual(["/api/v1/authorize", "/api/v1/report", "/api/v1/release"]);
  });

  test("other charge ways send nothing and keep the cached grant", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.authorize();
    expect(await client.release()).toEqual({ ok: true, released: false });
    expect(w.main.received("release")).toHaveLength(0);
  });
});

describe("options", () => {
  test("a bad license key or option fails at construction", async () => {
    const w = await makeWorld();
    expect(() => w.client({ licenseKey: "nope" })).toThrow(/starts with "LTS1"/);
    expect(() => w.client({ device: { uuid: "short" } })).toThrow(/device.uuid/);
    expect(() => w.client({ version: 1.5 })).toThrow(/major version/);
    expect(() => w.client({ deploymentType: "phone" as never })).toThrow(/deploymentType/);
    expect(() => w.client({ validation: { origin: "x" } as never })).toThrow(/validation/);
  });

  test("a closed client refuses work", async () => {
    const w = await makeWorld();
    const client = w.client();
    await client.close();
    await expect(client.authorize()).rejects.toThrow(/closed/);
    expect(() => client.count("qr")).toThrow(/closed/);
  });
});

describe("release with a session password", () => {
  test("sends the license key's session password, as authorize and report do", async () => {
    const w = await makeWorld({ sp: "s3cret", server: { chargeWay: "concurrent-device", validForMs: 6 * 60_000 } });
    const client = w.client();
    await client.authorize();
    expect(await client.release()).toEqual({ ok: true, released: true });
    expect(w.main.received("release")).toEqual([{ handshakeCode: "100200-appA", sessionPassword: "s3cret", itemId: "1000001", device: { uuid: "device-0001" }, nonce: expect.stringMatching(/^[A-Za-z0-9_-]{16,64}$/) }]);
  });
});
