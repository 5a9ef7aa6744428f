import { HANDSHAKE_CODE_PATTERN, sessionPasswordProblem } from "./handshake-code";
import { ORGANIZATION_ID_PATTERN } from "./license";
import { parseServerPublicKey, parseServerUrl } from "./server-url";

/**
 * The license key an app developer pastes into the app (PROTOCOL.md, "License key string"):
 * `LTS1` + base64url (no padding) of the JSON
 * `{"hc": code, "org": organizationId, "main": url, "standby"?: url, "sp"?: sessionPassword, "pk": [keys]}`.
 * The client library takes it as its only required setting and trusts only the keys in `pk`.
 */
export const LICENSE_KEY_PREFIX = "LTS1";

export interface LicenseKeyFields {
  /** The handshake code, `{organizationId}-{suffix}`. */
  hc: string;
  org: string;
  /** The main server's URL, absolute, ending with "/". */
  main: string;
  standby?: string;
  /** The code's session password, when it has one. */
  sp?: string;
  /** Raw Ed25519 public keys (base64url) of the main server and the standby: 1 or 2, distinct. */
  pk: string[];
}

export class LicenseKeyError extends Error {
  constructor(message: string) {
    super(`Not a valid license key: ${message}`);
    this.name = "LicenseKeyError";
  }
}

const FIELDS = ["hc", "org", "main", "standby", "sp", "pk"] as const;

/** The key for these fields; throws LicenseKeyError if a field could not be decoded back. */
export function encodeLicenseKey(fields: LicenseKeyFields): string {
  const ordered: Record<string, unknown> = {};
  for (const name of FIELDS) if (fields[name] !== undefined) ordered[name] = fields[name];
  checkFields(ordered);
  return LICENSE_KEY_PREFIX + Buffer.from(JSON.stringify(ordered), "utf8").toString("base64url");
}

/**
 * The fields of a license key. Strict: the `LTS1` prefix, canonical base64url (no padding, no
 * other characters), UTF-8 JSON of exactly the fields above with valid values. Whitespace around
 * the key (from pasting) is ignored. Throws LicenseKeyError saying what is wrong.
 */
export function decodeLicenseKey(text: string): LicenseKeyFields {
  const key = text.trim();
  if (!key.startsWith(LICENSE_KEY_PREFIX)) throw new LicenseKeyError(`it must start with "${LICENSE_KEY_PREFIX}".`);
  const body = key.slice(LICENSE_KEY_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new LicenseKeyError("after the prefix it must be base64url (letters, digits, '-' and '_', no padding).");
  const bytes = Buffer.from(body, "base64url");
  if (bytes.toString("base64url") !== body) throw new LicenseKeyError("its base64url text is cut short or altered.");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new LicenseKeyError("its content is not JSON text.");
  }
  return checkFields(json);
}

function checkFields(json: unknown): LicenseKeyFields {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new LicenseKeyError("its content must be a JSON object.");
  const o = json as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new LicenseKeyError(`unknown field(s) ${unknown.map((k) => `"${k}"`).join(", ")}.`);

  const text = (name: string, required: boolean): string | undefined => {
    const value = o[name];
    if (value === undefined && !required) return undefined;
    if (typeof value !== "string") throw new LicenseKeyError(`"${name}" must be a string.`);
    return value;
  };
  const org = text("org", true)!;
  if (!ORGANIZATION_ID_PATTERN.test(org)) throw new LicenseKeyError(`"org" must be 1 to 32 letters or digits.`);
  const hc = text("hc", true)!;
  if (!HANDSHAKE_CODE_PATTERN.test(hc) || !hc.startsWith(`${org}-`)) throw new LicenseKeyError(`"hc" must be a handshake code of organization ${org} ({organizationId}-{suffix}).`);
  const url = (name: "main" | "standby", required: boolean) => {
    const value = text(name, required);
    if (value === undefined) return undefined;
    const parsed = parseServerUrl(value);
    if (!parsed.ok || parsed.value !== value) throw new LicenseKeyError(`"${name}" must be an absolute http(s) URL ending with "/", without query or fragment.`);
    return value;
  };
  const main = url("main", true)!;
  const standby = url("standby", false);
  const sp = text("sp", false);
  if (sp !== undefined && sessionPasswordProblem(sp)) throw new LicenseKeyError(`"sp" (the session password) is not valid: ${sessionPasswordProblem(sp)}`);
  const pk = o.pk;
  if (!Array.isArray(pk) || pk.length < 1 || pk.length > 2) throw new LicenseKeyError(`"pk" must list 1 or 2 server public keys.`);
  for (const k of pk) {
    const parsed = typeof k === "string" ? parseServerPublicKey(k) : null;
    if (!parsed?.ok || parsed.value.publicKey !== k) throw new LicenseKeyError(`"pk" must hold raw Ed25519 public keys as base64url (43 characters).`);
  }
  if (new Set(pk).size !== pk.length) throw new LicenseKeyError(`"pk" lists the same key twice.`);

  return { hc, org, main, ...(standby !== undefined ? { standby } : {}), ...(sp !== undefined ? { sp } : {}), pk: [...(pk as string[])] };
}
