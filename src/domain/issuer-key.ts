import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";

/**
 * Issuer keys: the Ed25519 keys that sign license files (DESIGN.md, "Trust root"). The private
 * half stays with the vendor (`lts-vendor keygen` writes it as PKCS#8 PEM); the public half is
 * compiled into `lts` (SPKI PEM in, raw 32 bytes as base64url inside). A key is named by its kid:
 * the first 16 hex characters of SHA-256 of the raw public key (PROTOCOL.md, "server-key").
 */

/** A public key lts trusts (or a vendor tool checks against). */
export interface IssuerPublicKey {
  kid: string;
  /** The raw 32-byte Ed25519 public key, base64url without padding (43 characters). */
  publicKey: string;
  /** The repository's demo issuer: trusted only by builds made without --issuer-key. */
  demo: boolean;
}

/** A private key ready to sign, with its public half. */
export interface IssuerSigner {
  kid: string;
  publicKey: IssuerPublicKey;
  sign(data: Uint8Array): Uint8Array;
}

/**
 * A key file or key text that is not an Ed25519 key in the expected form. The message completes a
 * sentence that starts with the key's name, e.g. `keys/issuer.pub ${message}`.
 */
export class IssuerKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IssuerKeyError";
  }
}

export const KID_PATTERN = /^[0-9a-f]{16}$/;
const RAW_KEY_BYTES = 32;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows it. */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** The first 16 hex characters of SHA-256 of the raw 32-byte public key. */
export function keyId(rawPublicKey: Uint8Array): string {
  return createHash("sha256").update(rawPublicKey).digest("hex").slice(0, 16);
}

/** A fresh key pair: private as PKCS#8 PEM, public as SPKI PEM (the files keygen writes). */
export function generateIssuerKeyPair(): { privateKeyPem: string; publicKeyPem: string; kid: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    kid: keyId(rawFromKeyObject(publicKey)),
  };
}

/** Reads an SPKI PEM public key (an issuer.pub file). */
export function issuerPublicKeyFromPem(pem: string, demo = false): IssuerPublicKey {
  // node:crypto would derive the public half of a private key; refuse it, so that a private key
  // is never mistaken for (and handled like) a public one.
  if (pem.includes("PRIVATE KEY-----")) throw new IssuerKeyError("is a private key: give the public key, issuer.pub (issuer.key never leaves the vendor)");
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch {
    throw new IssuerKeyError("is not a PEM public key: expected the issuer.pub that 'lts-vendor keygen' wrote (-----BEGIN PUBLIC KEY-----)");
  }
  return issuerPublicKeyFromRaw(rawFromKeyObject(key), demo);
}

export function issuerPublicKeyFromRaw(raw: Uint8Array, demo = false): IssuerPublicKey {
  if (raw.length !== RAW_KEY_BYTES) throw new IssuerKeyError(`is ${raw.length} bytes; an Ed25519 public key is ${RAW_KEY_BYTES}`);
  return { kid: keyId(raw), publicKey: Buffer.from(raw).toString("base64url"), demo };
}

/** The SPKI PEM of a public key, e.g. to write an issuer.pub. */
export function publicKeyPem(key: IssuerPublicKey): string {
  return keyObjectFromPublic(key).export({ format: "pem", type: "spki" }).toString();
}

/** Reads a PKCS#8 PEM private key (an issuer.key file) and derives its public half and kid. */
export function issuerSignerFromPem(pem: string, demo = false): IssuerSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw new IssuerKeyError("is not a PEM private key: expected the issuer.key that 'lts-vendor keygen' wrote (-----BEGIN PRIVATE KEY-----)");
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new IssuerKeyError(`is a ${privateKey.asymmetricKeyType} key; issuer keys are Ed25519 (make one with 'lts-vendor keygen')`);
  const publicKey = issuerPublicKeyFromRaw(rawFromKeyObject(createPublicKey(privateKey)), demo);
  return { kid: publicKey.kid, publicKey, sign: (data) => new Uint8Array(sign(null, data, privateKey)) };
}

/** Ed25519 verification; false for a malformed key or signature as well as a wrong one. */
export function verifySignature(key: IssuerPublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, data, keyObjectFromPublic(key), signature);
  } catch {
    return false;
  }
}

/** The raw public key of a trusted-key entry, refusing anything but canonical base64url of 32 bytes. */
export function rawPublicKey(key: Pick<IssuerPublicKey, "publicKey">): Uint8Array {
  const raw = Buffer.from(key.publicKey, "base64url");
  if (raw.length !== RAW_KEY_BYTES || raw.toString("base64url") !== key.publicKey) {
    throw new IssuerKeyError(`is not a raw Ed25519 public key (${RAW_KEY_BYTES} bytes as base64url without padding)`);
  }
  return new Uint8Array(raw);
}

function keyObjectFromPublic(key: IssuerPublicKey): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, rawPublicKey(key)]), format: "der", type: "spki" });
}

function rawFromKeyObject(key: KeyObject): Uint8Array {
  if (key.asymmetricKeyType !== "ed25519") throw new IssuerKeyError(`is a ${key.asymmetricKeyType} key; issuer keys are Ed25519 (make one with 'lts-vendor keygen')`);
  const der = key.export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}
