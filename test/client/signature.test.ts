import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { decodeBase64url, encodeBase64url } from "../../src/client/base64url";
import { parseSignatureHeader, pinKeys } from "../../src/client/signature";
import { keyIdOf } from "../../src/client";
import { makeServerKey } from "./fake-server";

describe("base64url", () => {
  test("round-trips like Node's encoder, for every length", () => {
    for (let n = 0; n < 70; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const text = encodeBase64url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64url"));
      expect(decodeBase64url(text)).toEqual(bytes);
    }
  });

  test("refuses padding, other alphabets, impossible lengths and stray bits", () => {
    expect(decodeBase64url("AA==")).toBeNull();
    expect(decodeBase64url("a+b/")).toBeNull();
    expect(decodeBase64url("AAAAA")).toBeNull();
    expect(decodeBase64url("AB")).toBeNull();
    expect(decodeBase64url("AA")).toEqual(new Uint8Array([0]));
  });
});

describe("signatures", () => {
  test("a kid is the first 16 hex characters of SHA-256 of the raw public key", async () => {
    const key = await makeServerKey();
    const raw = Buffer.from(key.publicKey, "base64url");
    expect(await keyIdOf(new Uint8Array(raw))).toBe(createHash("sha256").update(raw).digest("hex").slice(0, 16));
    expect(key.kid).toBe(await keyIdOf(new Uint8Array(raw)));
  });

  test("the header is keyid=<kid>, sig=<base64url of 64 bytes>", () => {
    const sig = Buffer.alloc(64, 1).toString("base64url");
    expect(parseSignatureHeader(`keyid=0123456789abcdef, sig=${sig}`)?.keyId).toBe("0123456789abcdef");
    expect(parseSignatureHeader(`keyid=0123456789abcdef,sig=${sig}`)).not.toBeNull();
    expect(parseSignatureHeader(`sig=${sig}, keyid=0123456789abcdef`)).toBeNull();
    expect(parseSignatureHeader(`keyid=0123456789ABCDEF, sig=${sig}`)).toBeNull();
    expect(parseSignatureHeader(`keyid=0123456789abcdef, sig=${Buffer.alloc(63).toString("base64url")}`)).toBeNull();
  });

  test("verifies the exact bytes with a pinned key only", async () => {
    const key = await makeServerKey();
    const other = await makeServerKey();
    const pinned = await pinKeys([key.publicKey]);
    expect(pinned.kids).toEqual([key.kid]);
    const body = new TextEncoder().encode('{"ok":true}');
    expect(await pinned.check(`keyid=${key.kid}, sig=${await key.sign(body)}`, body)).toBeNull();
    expect(await pinned.check(`keyid=${key.kid}, sig=${await key.sign(body)}`, new TextEncoder().encode('{"ok":true }'))).toMatch(/does not match/);
    expect(await pinned.check(`keyid=${other.kid}, sig=${await other.sign(body)}`, body)).toMatch(/does not pin/);
    expect(await pinned.check(`keyid=${key.kid}, sig=${await other.sign(body)}`, body)).toMatch(/does not match/);
    expect(await pinned.check(null, body)).toMatch(/no LTS-Signature/);
    expect(await pinned.check("garbage", body)).toMatch(/malformed/);
  });
});
