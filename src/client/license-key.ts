import { decodeBase64url } from "./base64url";

/**
 * The license key an app developer pastes into the app (PROTOCOL.md, "License key string"):
 * `LTS1` + base64url(JSON `{"hc", "org", "main", "standby"?, "sp"?, "pk"}`). It is the client
 * library's only required setting, and the keys in `pk` are the only ones it trusts.
 */
export interface LicenseKey {
  /** The handshake code, `{organizationId}-{suffix}`. */
  hc: string;
  /** The organization id. */
  org: string;
  /** The main server's base URL; always ends with `/`. */
  main: string;
  /** The standby server's base URL, when there is one; always ends with `/`. */
  standby?: string;
  /** The handshake code's session password, when it has one. */
  sp?: string;
  /** The pinned Ed25519 public keys (raw 32 bytes, base64url) of main and standby. */
  pk: string[];
}

/** Why a license key string was refused; the message says what is wrong in words an app developer can act on. */
export class LicenseKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LicenseKeyError";
  }
}

export const LICENSE_KEY_PREFIX = "LTS1";
const FIELDS = new Set(["hc", "org", "main", "standby", "sp", "pk"]);
const ORG = /^[A-Za-z0-9]{1,32}$/;
const SUFFIX = /^[A-Za-z0-9_-]{1,64}$/;
const PUBLIC_KEY_BYTES = 32;

/**
 * Parses and checks a license key string. Strict: unknown fields, a missing field, a URL that is
 * not http(s) or does not end with `/`, or a public key that is not 32 bytes of canonical
 * base64url are refused. Whitespace around the key (from copying and pasting) is ignored.
 * @throws LicenseKeyError
 */
export function parseLicenseKey(text: string): LicenseKey {
  if (typeof text !== "string") throw new LicenseKeyError("The license key must be a string.");
  const key = text.trim();
  if (!key.startsWith(LICENSE_KEY_PREFIX)) {
    throw new LicenseKeyError(`A license key starts with "${LICENSE_KEY_PREFIX}"; copy the whole key from the LTS portal.`);
  }
  const bytes = decodeBase64url(key.slice(LICENSE_KEY_PREFIX.length));
  if (!bytes || bytes.length === 0) throw new LicenseKeyError("The license key is damaged: its body is not base64url. Copy the whole key again.");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new LicenseKeyError("The license key is damaged: its body is not JSON. Copy the whole key again.");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new LicenseKeyError("The license key is damaged: its body is not a JSON object.");
  const fields = json as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) throw new LicenseKeyError(`The license key has fields this library does not know (${unknown.join(", ")}): it may be for a newer version.`);

  const org = fields.org;
  if (typeof org !== "string" || !ORG.test(org)) throw new LicenseKeyError('The license key\'s organization id ("org") must be 1 to 32 letters or digits.');
  const hc = fields.hc;
  if (typeof hc !== "string" || !hc.startsWith(`${org}-`) || !SUFFIX.test(hc.slice(org.length + 1))) {
    throw new LicenseKeyError(`The license key's handshake code ("hc") must be "${org}-" followed by 1 to 64 letters, digits, '_' or '-'.`);
  }
  const result: LicenseKey = { hc, org, main: serverUrl(fields.main, "main"), pk: publicKeys(fields.pk) };
  if (fields.standby !== undefined) result.standby = serverUrl(fields.standby, "standby");
  if (fields.sp !== undefined) {
    if (typeof fields.sp !== "string" || fields.sp.length === 0) throw new LicenseKeyError('The license key\'s session password ("sp") must be a non-empty string.');
    result.sp = fields.sp;
  }
  return result;
}

function serverUrl(value: unknown, name: "main" | "standby"): string {
  if (typeof value !== "string") throw new LicenseKeyError(`The license key's ${name} server URL ("${name}") is missing.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LicenseKeyError(`The license key's ${name} server URL is not a URL: ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new LicenseKeyError(`The license key's ${name} server URL must be http:// or https://, not ${url.protocol}.`);
  if (url.username || url.password || url.search || url.hash || value.includes("?") || value.includes("#")) {
    throw new LicenseKeyError(`The license key's ${name} server URL must not carry credentials, a query or a fragment.`);
  }
  if (!url.pathname.endsWith("/") || !value.endsWith("/")) throw new LicenseKeyError(`The license key's ${name} server URL must end with "/" (got ${value}).`);
  return value;
}

function publicKeys(value: unknown): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 2) {
    throw new LicenseKeyError('The license key must pin one or two server public keys ("pk"): the keys of main and standby.');
  }
  return value.map((pk, i) => {
    const raw = typeof pk === "string" ? decodeBase64url(pk) : null;
    if (raw?.length !== PUBLIC_KEY_BYTES) throw new LicenseKeyError(`The license key's public key #${i + 1} is not a raw 32-byte Ed25519 key in base64url.`);
    return pk as string;
  });
}
