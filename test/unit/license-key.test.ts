import { describe, expect, test } from "bun:test";
import { decodeLicenseKey, encodeLicenseKey, LicenseKeyError, type LicenseKeyFields } from "../../src/domain/license-key";
import { defaultMainUrl, parseServerPublicKey, parseServerUrl } from "../../src/domain/server-url";
import { generateInstanceKeyPem, instanceKeyFromPem } from "../../src/services/instance-key";

const MAIN_KEY = instanceKeyFromPem(generateInstanceKeyPem());
const STANDBY_KEY = instanceKeyFromPem(generateInstanceKeyPem());

const FULL: LicenseKeyFields = {
  hc: "100200-scanner",
  org: "100200",
  main: "https://lts.example.com/lts/",
  standby: "https://lts-standby.example.com/",
  sp: "s3cret pass",
  pk: [MAIN_KEY.publicKey, STANDBY_KEY.publicKey],
};

/** A key whose body is any JSON text, to probe the decoder. */
const keyOf = (json: unknown) => "LTS1" + Buffer.from(typeof json === "string" ? json : JSON.stringify(json)).toString("base64url");

describe("license key string (PROTOCOL.md)", () => {
  test("is LTS1 + base64url of the JSON fields in protocol order, and decodes back", () => {
    const key = encodeLicenseKey(FULL);
    expect(key.startsWith("LTS1")).toBe(true);
    expect(key.slice(4)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(key.slice(4), "base64url").toString("utf8")).toBe(JSON.stringify({ hc: FULL.hc, org: FULL.org, main: FULL.main, standby: FULL.standby, sp: FULL.sp, pk: FULL.pk }));
    expect(decodeLicenseKey(key)).toEqual(FULL);
  });

  test("standby and session password are left out when there are none", () => {
    const minimal = { hc: "100200-1000001", org: "100200", main: "http://192.0.2.44:48080/", pk: [MAIN_KEY.publicKey] };
    const key = encodeLicenseKey(minimal);
    expect(JSON.parse(Buffer.from(key.slice(4), "base64url").toString())).toEqual(minimal);
    expect(decodeLicenseKey(key)).toEqual(minimal);
  });

  test("whitespace around a pasted key is ignored", () => {
    expect(decodeLicenseKey(`  ${encodeLicenseKey(FULL)}\n`)).toEqual(FULL);
  });

  test("a session password with any printable characters survives the round trip", () => {
    const fields = { ...FULL, sp: `ü"\\'<>&{}=+/ 密码` };
    expect(decodeLicenseKey(encodeLicenseKey(fields)).sp).toBe(fields.sp);
  });

  describe("decoding is strict and says what is wrong", () => {
    const body = JSON.stringify(FULL);
    const cases: [string, string, RegExp][] = [
      ["another prefix", "LTS2" + encodeLicenseKey(FULL).slice(4), /start with "LTS1"/],
      ["the older DLS2 format", "DLS2" + Buffer.from(body).toString("base64"), /start with "LTS1"/],
      ["nothing after the prefix", "LTS1", /base64url/],
      ["padding", encodeLicenseKey(FULL) + "=", /base64url/],
      ["standard base64 characters", "LTS1" + Buffer.from(body + "??>>").toString("base64"), /base64url/],
      ["a space inside", encodeLicenseKey(FULL).replace(/^(.{20})/, "$1 "), /base64url/],
      ["not JSON", keyOf("hello"), /not JSON/],
      ["not UTF-8", "LTS1" + Buffer.from([0xff, 0xfe, 0x7b]).toString("base64url"), /not JSON/],
      ["a JSON array", keyOf([1, 2]), /JSON object/],
      ["an unknown field", keyOf({ ...FULL, checkCode: 1 }), /unknown field.*"checkCode"/],
      ["no hc", keyOf({ ...FULL, hc: undefined }), /"hc" must be a string/],
      ["a code of another organization", keyOf({ ...FULL, hc: "999-scanner" }), /"hc" must be a handshake code of organization 100200/],
      ["a bad organization id", keyOf({ ...FULL, org: "100-200", hc: "100-200-x" }), /"org"/],
      ["no main", keyOf({ ...FULL, main: undefined }), /"main" must be a string/],
      ["a main URL with a query", keyOf({ ...FULL, main: "https://lts.example.com/?x=1" }), /"main" must be an absolute/],
      ["a main URL without its final slash", keyOf({ ...FULL, main: "https://lts.example.com/lts" }), /"main"/],
      ["an ftp standby", keyOf({ ...FULL, standby: "ftp://lts.example.com/" }), /"standby"/],
      ["a number as session password", keyOf({ ...FULL, sp: 1234 }), /"sp" must be a string/],
      ["an empty session password", keyOf({ ...FULL, sp: "" }), /"sp"/],
      ["no keys", keyOf({ ...FULL, pk: [] }), /"pk" must list 1 or 2/],
      ["three keys", keyOf({ ...FULL, pk: [MAIN_KEY.publicKey, STANDBY_KEY.publicKey, instanceKeyFromPem(generateInstanceKeyPem()).publicKey] }), /"pk" must list 1 or 2/],
      ["a key of the wrong length", keyOf({ ...FULL, pk: [MAIN_KEY.publicKey.slice(0, 40)] }), /"pk" must hold raw Ed25519/],
      ["the same key twice", keyOf({ ...FULL, pk: [MAIN_KEY.publicKey, MAIN_KEY.publicKey] }), /same key twice/],
    ];
    for (const [what, key, message] of cases) {
      test(what, () => {
        expect(() => decodeLicenseKey(key)).toThrow(LicenseKeyError);
        expect(() => decodeLicenseKey(key)).toThrow(message);
      });
    }

    test("base64url that does not re-encode to the same text (altered trailing bits)", () => {
      let key = "";
      for (let n = 0; !key; n++) {
        const candidate = encodeLicenseKey({ ...FULL, hc: `100200-${"x".repeat(n + 1)}` });
        if (candidate.slice(4).length % 4 !== 0) key = candidate;
      }
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      const altered = key.slice(0, -1) + alphabet[alphabet.indexOf(key.at(-1)!) + 1];
      expect(Buffer.from(altered.slice(4), "base64url")).toEqual(Buffer.from(key.slice(4), "base64url"));
      expect(() => decodeLicenseKey(altered)).toThrow(/cut short or altered/);
    });
  });

  test("encoding refuses fields it could not decode back", () => {
    expect(() => encodeLicenseKey({ ...FULL, main: "lts.example.com" })).toThrow(LicenseKeyError);
    expect(() => encodeLicenseKey({ ...FULL, pk: [] })).toThrow(LicenseKeyError);
  });
});

describe("server URLs", () => {
  test("are normalized: trailing slash, lower-case host, default port dropped", () => {
    expect(parseServerUrl(" https://LTS.Example.com/lts ")).toEqual({ ok: true, value: "https://lts.example.com/lts/" });
    expect(parseServerUrl("http://192.168.1.20:48080")).toEqual({ ok: true, value: "http://192.168.1.20:48080/" });
    expect(parseServerUrl("https://lts.example.com:443/")).toEqual({ ok: true, value: "https://lts.example.com/" });
  });

  test("must be absolute http(s) without query, fragment or credentials", () => {
    for (const [text, problem] of [
      ["", /Enter an absolute URL/],
      ["lts.example.com", /not an absolute URL/],
      ["/lts/", /not an absolute URL/],
      ["ftp://lts.example.com/", /Use http:\/\/ or https:\/\//],
      ["https://lts.example.com/?a=1", /query/],
      ["https://lts.example.com/?", /query/],
      ["https://lts.example.com/#top", /fragment/],
      ["https://admin:pw@lts.example.com/", /user name and password/],
      ["https://lts.example.com/a b/", /no spaces/],
    ] as const) {
      const parsed = parseServerUrl(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.problem).toMatch(problem);
    }
  });

  test("the default main URL is the host's address, port and base path", () => {
    expect(defaultMainUrl({ tls: false, host: "192.0.2.44", port: 48080, basePath: "" })).toBe("http://192.0.2.44:48080/");
    expect(defaultMainUrl({ tls: true, host: "192.0.2.44", port: 8443, basePath: "/lts" })).toBe("https://192.0.2.44:8443/lts/");
    expect(defaultMainUrl({ tls: false, host: null, port: 48080, basePath: "" })).toBe("http://127.0.0.1:48080/");
  });

  test("a standby's public key is taken as its publicKey value or its whole server-key answer", () => {
    const answer = JSON.stringify({ keyId: STANDBY_KEY.kid, algorithm: "Ed25519", publicKey: STANDBY_KEY.publicKey, serverTime: "2026-11-28T12:00:00.000Z" });
    expect(parseServerPublicKey(STANDBY_KEY.publicKey)).toEqual({ ok: true, value: { publicKey: STANDBY_KEY.publicKey, kid: STANDBY_KEY.kid } });
    expect(parseServerPublicKey(answer)).toEqual({ ok: true, value: { publicKey: STANDBY_KEY.publicKey, kid: STANDBY_KEY.kid } });
    expect(parseServerPublicKey("{}").ok).toBe(false);
    expect(parseServerPublicKey(STANDBY_KEY.publicKey.slice(1)).ok).toBe(false);
    expect(parseServerPublicKey(Buffer.from(STANDBY_KEY.publicKey, "base64url").toString("base64")).ok).toBe(false);
  });
});
