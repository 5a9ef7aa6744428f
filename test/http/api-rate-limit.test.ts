import { describe, expect, test } from "bun:test";
import { apiWorld, authorizationTotals, freshNonce, send } from "../helpers/api";

// PROTOCOL.md, code 3: too many requests from one source address (IPv4, or IPv6 /64) get 429
// with Retry-After, in the signed envelope, before any work is done.

describe("the API rate limit per source address", () => {
  test("--api-rate-limit 2: a burst of 10, then 429 code 3 with Retry-After, signed, the nonce echoed; nothing is counted", async () => {
    const api = await apiWorld({ flags: { apiRateLimit: "2" } });
    for (let i = 0; i < 10; i++) expect((await api.authorize()).status).toBe(200);
    const before = { totals: authorizationTotals(api.w), state: api.state() };
    const nonce = freshNonce();
    const a = await api.authorize({ nonce });
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("1");
    expect(a.body).toMatchObject({ ok: false, error: { code: 3, name: "RATE_LIMITED", message: "Too many requests from this address; retry in 1 s." }, nonce });
    expect((await api.report()).status).toBe(429);
    expect((await api.release()).status).toBe(429);
    expect({ totals: authorizationTotals(api.w), state: api.state() }).toEqual(before);

    api.w.clock.advance(500); // one token back
    expect((await api.authorize()).status).toBe(200);
    expect((await api.authorize()).status).toBe(429);
  });

  test("other addresses are not affected; one IPv6 /64 is one source", async () => {
    const api = await apiWorld({ flags: { apiRateLimit: "1" } });
    for (let i = 0; i < 5; i++) expect((await api.authorize({}, { ip: "2001:db8:1:2::1" })).status).toBe(200);
    expect((await api.authorize({}, { ip: "2001:db8:1:2:ffff::9" })).status).toBe(429);
    expect((await api.authorize({}, { ip: "2001:db8:1:3::1" })).status).toBe(200);
    expect((await api.authorize({}, { ip: "203.0.113.9" })).status).toBe(200);
  });

  test("GET server-key counts too, and its 429 is signed", async () => {
    const api = await apiWorld({ flags: { apiRateLimit: "1" } });
    for (let i = 0; i < 5; i++) expect((await send(api.w, "/api/v1/server-key", { method: "GET" })).status).toBe(200);
    const a = await send(api.w, "/api/v1/server-key", { method: "GET" });
    expect({ status: a.status, code: a.body.error.code, signed: a.signed }).toEqual({ status: 429, code: 3, signed: true });
  });

  test("0 turns the limit off", async () => {
    const api = await apiWorld({ flags: { apiRateLimit: "0" } });
    for (let i = 0; i < 510; i++) expect((await api.post("release", { handshakeCode: "100200-appA", itemId: "2000001", device: { uuid: "device-0001" }, nonce: freshNonce() })).status).toBe(200);
  });
});
