/**
 * The reverse proxies whose forwarded headers (X-Forwarded-For, -Proto, -Host) count: a list of
 * addresses and CIDRs, IPv4 or IPv6 (`127.0.0.1,10.0.0.0/8,fd00::/8`). A header from any other
 * peer is the client's own claim and is ignored. IPv4 addresses are compared in their IPv4-mapped
 * IPv6 form, so `10.0.0.0/8` also matches a peer a dual-stack socket reports as `::ffff:10.1.2.3`.
 */
export interface TrustedProxies {
  /** The entries as configured, for messages and logs. */
  readonly entries: readonly string[];
  /** Whether `address` is one of the proxies. False for anything that is not an IP address. */
  includes(address: string | null | undefined): boolean;
}

interface Range {
  bytes: Uint8Array; // 16 bytes
  prefix: number; // 0..128
}

export const NO_TRUSTED_PROXIES: TrustedProxies = { entries: [], includes: () => false };

/** What is wrong with one list entry, or null when it is an address or a CIDR. */
export function trustedProxyProblem(entry: string): string | null {
  return parseRange(entry) ? null : `"${entry}" is not an IP address or CIDR`;
}

/**
 * The proxies named by a comma-separated list (blanks ignored; an empty list trusts nobody).
 * Throws when an entry is not an address or CIDR: check with trustedProxyProblem() first.
 */
export function parseTrustedProxies(list: string): TrustedProxies {
  const entries = splitList(list);
  const ranges = entries.map((entry) => {
    const range = parseRange(entry);
    if (!range) throw new Error(trustedProxyProblem(entry)!);
    return range;
  });
  if (ranges.length === 0) return NO_TRUSTED_PROXIES;
  return {
    entries,
    includes(address) {
      const bytes = address ? parseAddress(address) : null;
      return !!bytes && ranges.some((r) => inRange(bytes, r));
    },
  };
}

export function splitList(list: string): string[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * The client behind a chain of proxies. `peer` is the address that connected to us; when it is a
 * trusted proxy, X-Forwarded-For is read from the right (each proxy appends the address it saw)
 * and the first address that is not a trusted proxy is the client. Entries further left were
 * written by the client itself and are never believed. An entry that is not an address ends the
 * walk at the last address known to be genuine.
 */
export function forwardedClient(proxies: TrustedProxies, peer: string | null, forwardedFor: string | null | undefined): string | null {
  if (!peer || !proxies.includes(peer) || !forwardedFor) return peer;
  let client = peer;
  const hops = splitList(forwardedFor);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = stripPort(hops[i]!);
    if (!parseAddress(hop)) return client;
    client = hop;
    if (!proxies.includes(hop)) return hop;
  }
  return client;
}

/** `[::1]:443` → `::1`, `192.0.2.1:80` → `192.0.2.1`; anything else unchanged. */
function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  return v4 ? v4[1]! : hop;
}

function parseRange(entry: string): Range | null {
  const [address, prefixText, ...rest] = entry.split("/");
  if (rest.length > 0 || !address) return null;
  const bytes = parseAddress(address);
  if (!bytes) return null;
  const v4 = !address.includes(":");
  const max = v4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { bytes, prefix: v4 ? prefix + 96 : prefix };
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  const whole = range.prefix >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== range.bytes[i]) return false;
  const bits = range.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (bytes[whole]! & mask) === (range.bytes[whole]! & mask);
}

/** An IPv4 or IPv6 address (no zone, no port) as 16 bytes, IPv4 as ::ffff:a.b.c.d; else null. */
function parseAddress(text: string): Uint8Array | null {
  const address = text.toLowerCase();
  const bytes = new Uint8Array(16);
  if (!address.includes(":")) {
    const v4 = parseIPv4(address);
    if (!v4) return null;
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(v4, 12);
    return bytes;
  }
  let head = address;
  let tailV4: number[] | null = null;
  const lastColon = address.lastIndexOf(":");
  if (address.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIPv4(address.slice(lastColon + 1));
    if (!tailV4) return null;
    head = address.slice(0, lastColon + 1) + "0:0"; // two placeholder hextets, overwritten below
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const left = halves[0] ? halves[0].split(":") : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const hextets = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  for (let i = 0; i < 8; i++) {
    const h = hextets[i]!;
    if (!/^[0-9a-f]{1,4}$/.test(h)) return null;
    const n = parseInt(h, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  }
  if (tailV4) bytes.set(tailV4, 12);
  return bytes;
}

function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}
