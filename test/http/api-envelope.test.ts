import { describe, expect, test } from "bun:test";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { apiWorld, authorizeBody, CODE, freshNonce, post, reportBody, send, signatureHolds, slotIso, usageState } from "../helpers/api";

// PROTOCOL.md, "Conventions": every /api/v1 answer — success, refusal, 404, 413, schema failure —
// carries serverTime, the request's (valid) nonce, and an LTS-Signature over its exact body bytes.
// The helper `post` asserts that envelope on every call; these tests name each kind of answer.

describe("every API answer is signed, timed and echoes the nonce", () => {
  test("a granted authorize", async () => {
    const api = await apiWorld();
    const nonce = freshNonce();
    const a = await api.authorize({ nonce });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ ok: true, serverTime: "2026-11-28T12:00:00.000Z", nonce });
    expect(a.headers.get("lts-signature")).toMatch(/^keyid=[0-9a-f]{16}, sig=[A-Za-z0-9_-]{86}$/);
    expect(a.headers.get("content-type")).toMatch(/^application\/json/);
  });

  test("a refusal", async () => {
    const api = await apiWorld();
    const a = await api.authorize({ handshakeCode: "100200-nosuchcode" });
    expect(a.status).toBe(404);
    expect(a.body).toMatchObject({ ok: false, error: { code: 101, name: "HANDSHAKE_NOT_FOUND" } });
  });

  test("a report and a release", async () => {
    const api = await apiWorld();
    await api.authorize();
    expect((await api.report()).status).toBe(200);
    const r = await api.release();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["nonce", "ok", "serverTime"]);
  });

  test("the serverTime is the server's clock at the time of the answer", async () => {
    const api = await apiWorld();
    api.w.clock.advance(61_234);
    const a = await api.authorize();
    expect(a.body.serverTime).toBe("2026-11-28T12:01:01.234Z");
  });

  test("an unknown path or method under /api/v1 is a signed 404 with code 1 (a POST's nonce echoed)", async () => {
    const api = await apiWorld();
    for (const [method, verb] of [["POST", "authorise"], ["POST", "v2/authorize"], ["GET", "authorize"], ["PUT", "report"], ["DELETE", "release"], ["GET", ""]] as const) {
      const a = await post(api.w, verb, method === "POST" ? authorizeBody() : undefined, { method });
      expect(a.status, `${method} ${verb}`).toBe(404);
      expect(a.body.error.code).toBe(1);
    }
  });

  test("a body that is not JSON is code 1 (400), without a nonce to echo", async () => {
    const api = await apiWorld();
    for (const body of ["", "{", "nonce=abcdefghijklmnop", '{"nonce":"abcdefghijklmnopq",}']) {
      const a = await api.post("authorize", body);
      expect(a.status).toBe(400);
      expect(a.body.error.code).toBe(1);
      expect(a.body.nonce).toBeUndefined();
    }
    const bytes = await api.post("authorize", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(bytes.body.error.code).toBe(1);
  });

  test("a schema failure echoes the nonce when it was valid, and not when it was not", async () => {
    const api = await apiWorld();
    const nonce = freshNonce();
    const valid = await api.post("authorize", { ...authorizeBody({ nonce }), version: "10" });
    expect(valid.status).toBe(400);
    expect(valid.body).toMatchObject({ ok: false, error: { code: 1, name: "INVALID_REQUEST" }, nonce });
    expect(valid.body.error.message).toContain("version");
    for (const bad of ["short", "has spaces in it ok", "x".repeat(65), 12345678901234567890, null]) {
      const a = await api.post("authorize", { ...authorizeBody(), nonce: bad });
      expect(a.status).toBe(400);
      expect(a.body.nonce).toBeUndefined();
    }
  });

  test("a body over 64 KiB gets 413 with code 1; exactly 64 KiB is read", async () => {
    const api = await apiWorld();
    const padded = (size: number) => {
      const body = JSON.stringify(authorizeBody()); // trailing blanks are still JSON
      return body + " ".repeat(size - body.length);
    };
    const at = await api.post("authorize", padded(64 * 1024));
    expect(at.status).toBe(200);
    const over = await api.post("authorize", padded(64 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe(1);
  });

  test("a report body may be up to 256 KiB; over that it gets 413", async () => {
    const api = await apiWorld();
    await api.authorize();
    const body = JSON.stringify(reportBody(api.w));
    expect((await api.post("report", body + " ".repeat(256 * 1024 - body.length))).status).toBe(200);
    const over = await api.post("report", body + " ".repeat(256 * 1024 + 1 - body.length));
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe(1);
    expect((await api.post("authorize", JSON.stringify(authorizeBody()) + " ".repeat(100 * 1024))).status).toBe(413);
  });

  test("a chunked body with no Content-Length is cut off at the limit too", async () => {
    const api = await apiWorld();
    const chunked = (total: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent < total; sent += 8192) controller.enqueue(new Uint8Array(Math.min(8192, total - sent)).fill(0x20));
          controller.close();
        },
      });
    const a = await api.post("authorize", chunked(64 * 1024 + 1));
    expect(a.status).toBe(413);
    expect(a.body.error.code).toBe(1);
    const r = await api.post("report", chunked(300 * 1024));
    expect(r.status).toBe(413);
    expect((await api.post("report", chunked(200 * 1024))).status).toBe(400); // read whole: blank, not JSON
  });

  test("a declared Content-Length over the limit is refused without reading", async () => {
    const api = await apiWorld();
    const a = await api.post("authorize", JSON.stringify(authorizeBody()), { headers: { "content-length": String(65 * 1024) } });
    expect(a.status).toBe(413);
  });

  test("when storage fails the answer is a signed 503 with code 2", async () => {
    const api = await apiWorld();
    api.w.db.$client.close();
    const a = await api.authorize();
    expect(a.status).toBe(503);
    expect(a.body.error).toMatchObject({ code: 2, name: "STORAGE_UNAVAILABLE" });
  });

  test("a full disk (SQLITE_FULL) is a signed 503 with code 2 and Retry-After, logged as disk full; the refused request left nothing", async () => {
    const api = await apiWorld();
    const pages = api.w.db.$client.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
    api.w.db.$client.run(`PRAGMA max_page_count = ${pages}`);
    // New devices until the free pages run out (bounded).
    let refused: { answer: Awaited<ReturnType<typeof api.authorize>>; uuid: string } | undefined;
    for (let i = 0; i < 2000 && !refused; i++) {
      const uuid = `device-on-a-full-disk-${i}`;
      const answer = await api.authorize({ device: { uuid, name: "x".repeat(64) } });
      if (answer.status !== 200) refused = { answer, uuid };
    }
    const a = refused!.answer;
    expect(a.status).toBe(503);
    expect(a.signed).toBe(true);
    expect(a.headers.get("retry-after")).toBe("5");
    expect(a.body.error).toMatchObject({ code: 2, name: "STORAGE_UNAVAILABLE" });
    expect(api.w.logger.lines.some((l) => JSON.parse(l).msg.startsWith("disk full:"))).toBe(true);
    expect(api.w.db.$client.query("SELECT count(*) AS n FROM grants WHERE device_uuid = ?").get(refused!.uuid)).toEqual({ n: 0 });
  });
});

describe("the signature", () => {
  test("is Ed25519 over the exact body bytes: one changed byte or another key does not verify", async () => {
    const api = await apiWorld();
    const res = await api.w.app.request("/api/v1/authorize", { method: "POST", body: JSON.stringify(authorizeBody()) }, { requestIP: () => ({ address: "192.0.2.1" }) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const header = res.headers.get("lts-signature");
    expect(signatureHolds(api.w, header, bytes)).toBe(true);
    const tampered = bytes.slice();
    tampered[tampered.length - 2]! ^= 1;
    expect(signatureHolds(api.w, header, tampered)).toBe(false);
    const other = generateKeyPairSync("ed25519").privateKey;
    expect(signatureHolds(api.w, header!.replace(/sig=.*/, `sig=${sign(null, bytes, other).toString("base64url")}`), bytes)).toBe(false);
  });

  test("verifies with WebCrypto from the published raw public key", async () => {
    const api = await apiWorld();
    const key = await send(api.w, "/api/v1/server-key", { method: "GET" });
    const raw = Buffer.from(key.body.publicKey, "base64url");
    const pub = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    const res = await api.w.app.request("/api/v1/authorize", { method: "POST", body: JSON.stringify(authorizeBody()) });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const sig = Buffer.from(/sig=([A-Za-z0-9_-]+)/.exec(res.headers.get("lts-signature")!)![1]!, "base64url");
    expect(await crypto.subtle.verify({ name: "Ed25519" }, pub, sig, bytes)).toBe(true);
  });
});

describe("GET /api/v1/server-key", () => {
  test("publishes the instance key as PROTOCOL.md says: keyId = first 16 hex of SHA-256 of the raw key", async () => {
    const api = await apiWorld();
    const a = await send(api.w, "/api/v1/server-key", { method: "GET" });
    expect(a.status).toBe(200);
    expect(a.signed).toBe(true);
    expect(Object.keys(a.body).sort()).toEqual(["algorithm", "keyId", "publicKey", "serverTime"]);
    const raw = Buffer.from(a.body.publicKey, "base64url");
    expect(raw).toHaveLength(32);
    expect(Buffer.from(raw).toString("base64url")).toBe(a.body.publicKey);
    expect(a.body).toMatchObject({ algorithm: "Ed25519", keyId: createHash("sha256").update(raw).digest("hex").slice(0, 16), serverTime: "2026-11-28T12:00:00.000Z" });
    expect(a.body.publicKey).toBe(api.w.deps.instanceKey.publicKey);
    expect(a.headers.get("lts-signature")).toStartWith(`keyid=${a.body.keyId}, `);
  });
});

describe("CORS", () => {
  test("a preflight from any origin is answered, without credentials", async () => {
    const api = await apiWorld();
    for (const verb of ["authorize", "report", "release"]) {
      const res = await api.w.app.request(`/api/v1/${verb}`, {
        method: "OPTIONS",
        headers: { origin: "https://app.customer.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-methods")).toContain("POST");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  test("answers allow any origin and expose LTS-Signature to the page's script", async () => {
    const api = await apiWorld();
    const a = await api.authorize({}, { origin: "https://app.customer.example" });
    expect(a.headers.get("access-control-allow-origin")).toBe("*");
    expect(a.headers.get("access-control-expose-headers")).toContain("LTS-Signature");
    expect(a.headers.get("set-cookie")).toBeNull();
  });

  test("portal cookies and CSRF do not apply: a cross-site POST with no session is served", async () => {
    const api = await apiWorld();
    const a = await api.authorize({}, { origin: "https://elsewhere.example", headers: { cookie: "lts_session=forged" } });
    expect(a.status).toBe(200);
  });
});

describe("a code-1 refusal changes no state", () => {
  test("schema failures leave every usage table as it was", async () => {
    const api = await apiWorld();
    await api.authorize();
    await api.report();
    const before = usageState(api.w);
    await api.post("report", { ...reportBody(api.w), records: [{ slot: slotIso(api.w), counts: { scans: -1 } }] });
    await api.post("authorize", { ...authorizeBody(), extra: true });
    await api.post("release", { handshakeCode: CODE, nonce: freshNonce() });
    expect(usageState(api.w)).toEqual(before);
  });
});
