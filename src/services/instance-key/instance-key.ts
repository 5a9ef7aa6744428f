import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Db } from "../../db/client";
import { dataDirAt, DataDirError, FILE_MODE } from "../../db/data-dir";

/**
 * This server's own Ed25519 key (DESIGN.md, "Trust root"): it signs every API response, its
 * public half is pinned in the license keys, and secrets derived from it encrypt the handshake
 * codes' session passwords. Made at first start, kept in the data dir (0600).
 */
export interface InstanceKey {
  /** First 16 hex characters of SHA-256 of the raw public key. */
  kid: string;
  /** The raw 32-byte public key, base64url. */
  publicKey: string;
  /** Ed25519 signature of `bytes`, base64url. */
  sign(bytes: Uint8Array): string;
  /** Encrypts a short secret (AES-256-GCM): base64url of iv‖ciphertext‖tag. */
  seal(plain: string): string;
  /** Decrypts what seal() made; throws if it was altered or made by another instance. */
  unseal(sealed: string): string;
  /** HMAC-SHA-256 of `text`, base64url: for comparing secrets in constant time without storing them. */
  mac(text: string): string;
}

export function instanceKeyFromPem(pem: string): InstanceKey {
  const privateKey = createPrivateKey(pem);
  const raw = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(-32);
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", der, Buffer.alloc(0), info, 32));
  const sealKey = derive("lts/session-password-seal");
  const macKey = derive("lts/session-password-mac");
  return {
    kid: createHash("sha256").update(raw).digest("hex").slice(0, 16),
    publicKey: Buffer.from(raw).toString("base64url"),
    sign: (bytes) => sign(null, bytes, privateKey as KeyObject).toString("base64url"),
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", sealKey, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
    },
    unseal(sealed) {
      const bytes = Buffer.from(sealed, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", sealKey, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString("utf8");
    },
    mac: (text) => createHmac("sha256", macKey).update(text, "utf8").digest("base64url"),
  };
}

export function generateInstanceKeyPem(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
}

/**
 * The data dir's instance key, made (0600, written atomically) on first use. The database records
 * the key's id when it is made (or first read), so a key that goes missing later is refused like an
 * unreadable one — never replaced: the license keys handed out pin it and it seals the stored
 * passwords — and so is another instance's key put in its place.
 */
export function loadOrCreateInstanceKey(dataDir: string, db: Db): InstanceKey {
  const path = dataDirAt(dataDir).instanceKey;
  const recorded = (db.$client.query("SELECT value FROM settings WHERE key = ?").get(KEY_ID_SETTING) as { value: string } | null)?.value ?? null;
  const restore = `put the original file back or restore the data dir from a backup ('lts restore FILE'); a new key would make every license key handed out invalid.`;
  if (!existsSync(path)) {
    if (recorded) throw new DataDirError(`The instance key ${path} is missing, but this data dir's database was made with key ${recorded}: ${restore}`);
    // Written aside, then linked into place: a concurrent first start (server and CLI) keeps one key.
    const partial = `${path}.${process.pid}.part`;
    writeFileSync(partial, generateInstanceKeyPem(), { mode: FILE_MODE });
    try {
      linkSync(partial, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      rmSync(partial, { force: true });
    }
  }
  let key: InstanceKey;
  try {
    key = instanceKeyFromPem(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : `not an Ed25519 private key: ${(error as Error).message}`;
    throw new DataDirError(`The instance key ${path} cannot be read (${why}). It signs every API answer and the license keys pin it: ${restore}`);
  }
  if (recorded && recorded !== key.kid) throw new DataDirError(`The instance key ${path} is key ${key.kid}, but this data dir's database was made with key ${recorded}: ${restore}`);
  if (!recorded) db.$client.run("INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)", [KEY_ID_SETTING, key.kid, Date.now()]);
  return key;
}

/** The settings row that records the instance key's id (`kid`). */
export const KEY_ID_SETTING = "instance.keyId";
