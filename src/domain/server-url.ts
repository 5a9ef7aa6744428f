import { keyId } from "./issuer-key";

/**
 * The server URLs written into every license key (PROTOCOL.md, "License key string"): the main
 * server and an optional standby, each an absolute http(s) URL with no query, fragment or
 * credentials, normalized to end with "/". Until the admin sets them, `main` is this host's first
 * non-loopback IPv4 address with the port and base path the server listens on.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const URL_EXAMPLE = "such as https://lts.example.com/ or http://192.168.1.20:48080/";

export function parseServerUrl(text: string): Parsed<string> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, problem: `Enter an absolute URL ${URL_EXAMPLE}.` };
  if (/\s/.test(trimmed)) return { ok: false, problem: "A URL has no spaces in it." };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, problem: `This is not an absolute URL. Enter one ${URL_EXAMPLE}.` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, problem: `Use http:// or https://, not ${url.protocol}//.` };
  if (!url.hostname) return { ok: false, problem: `Name the server's host, ${URL_EXAMPLE}.` };
  if (url.username || url.password) return { ok: false, problem: "Leave the user name and password out of the URL." };
  if (trimmed.includes("?") || trimmed.includes("#")) return { ok: false, problem: "Leave out the query (?…) and fragment (#…): clients add the API path to this URL." };
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return { ok: true, value: url.href };
}

/** `http://<host>:<port><base-path>/` (https when the server serves TLS itself). */
export function defaultMainUrl(origin: { tls: boolean; host: string | null; port: number; basePath: string }): string {
  return `${origin.tls ? "https" : "http"}://${origin.host ?? "127.0.0.1"}:${origin.port}${origin.basePath}/`;
}

const RAW_KEY_BYTES = 32;

/** A raw Ed25519 public key as canonical base64url (43 characters), and its key id. */
export interface ServerPublicKey {
  publicKey: string;
  kid: string;
}

/**
 * The standby server's public key as the admin pastes it: the `publicKey` value of its
 * `GET /api/v1/server-key`, or that whole JSON answer.
 */
export function parseServerPublicKey(text: string): Parsed<ServerPublicKey> {
  let candidate = text.trim();
  if (candidate.startsWith("{")) {
    try {
      const json = JSON.parse(candidate) as { publicKey?: unknown };
      candidate = typeof json.publicKey === "string" ? json.publicKey : "";
    } catch {
      candidate = "";
    }
    if (!candidate) return { ok: false, problem: "This JSON has no \"publicKey\" field. Paste the standby's GET /api/v1/server-key answer, or its publicKey value." };
  }
  const raw = /^[A-Za-z0-9_-]+$/.test(candidate) ? Buffer.from(candidate, "base64url") : Buffer.alloc(0);
  if (raw.length !== RAW_KEY_BYTES || raw.toString("base64url") !== candidate) {
    return { ok: false, problem: "This is not a server public key: paste the publicKey value (43 characters) from the standby's GET /api/v1/server-key." };
  }
  return { ok: true, value: { publicKey: candidate, kid: keyId(new Uint8Array(raw)) } };
}

/** The server URLs and keys every license key carries. */
export interface ServerUrls {
  /** The main URL in effect: as set, else the default. */
  main: string;
  /** The admin has not set a main URL: `main` is this host's address, port and base path. */
  mainIsDefault: boolean;
  standby: string | null;
  standbyPublicKey: string | null;
  standbyKid: string | null;
  /** This instance's public key and key id. */
  publicKey: string;
  kid: string;
  /** The license keys' `pk`: this instance's key, then the standby's (when different). */
  publicKeys: string[];
}
