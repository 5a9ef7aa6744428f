import { decodeBase64url } from "./base64url";

/**
 * Verifies `LTS-Signature: keyid=<kid>, sig=<base64url>` headers (PROTOCOL.md, "Conventions"):
 * Ed25519 over the exact response body bytes, by one of the keys pinned in the license key.
 * WebCrypto only, so it runs in Bun, Node ≥ 20 and browsers.
 */
export const SIGNATURE_HEADER = "LTS-Signature";

export interface PinnedKeys {
  /** The kids of the pinned keys (first 16 hex characters of SHA-256 of each raw public key). */
  readonly kids: readonly string[];
  /** Why the signature fails, or null when `body` is signed by a pinned key. */
  check(header: string | null, body: Uint8Array<ArrayBuffer>): Promise<string | null>;
}

/** The kid of a raw Ed25519 public key: first 16 hex characters of its SHA-256. */
export async function keyIdOf(rawPublicKey: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", rawPublicKey));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Imports the license key's `pk` entries (raw 32 bytes, base64url). */
export async function pinKeys(publicKeys: readonly string[]): Promise<PinnedKeys> {
  const keys = new Map<string, CryptoKey>();
  for (const pk of publicKeys) {
    const raw = decodeBase64url(pk);
    if (!raw || raw.length !== 32) throw new Error("a pinned public key is not 32 bytes of base64url");
    keys.set(await keyIdOf(raw), await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]));
  }
  return {
    kids: [...keys.keys()],
    async check(header, body) {
      if (header === null) return `no ${SIGNATURE_HEADER} header`;
      const parsed = parseSignatureHeader(header);
      if (!parsed) return `malformed ${SIGNATURE_HEADER} header`;
      const key = keys.get(parsed.keyId);
      if (!key) return `signed by key ${parsed.keyId}, which the license key does not pin`;
      const valid = await crypto.subtle.verify({ name: "Ed25519" }, key, parsed.signature, body);
      return valid ? null : "the signature does not match the response body";
    },
  };
}

/** `keyid=<16 hex>, sig=<base64url of 64 bytes>`, parameters in that order, spaces after the comma optional. */
export function parseSignatureHeader(header: string): { keyId: string; signature: Uint8Array<ArrayBuffer> } | null {
  const match = /^\s*keyid=([0-9a-f]{16})\s*,\s*sig=([A-Za-z0-9_-]+)\s*$/.exec(header);
  if (!match) return null;
  const signature = decodeBase64url(match[2]!);
  if (signature?.length !== 64) return null;
  return { keyId: match[1]!, signature };
}
