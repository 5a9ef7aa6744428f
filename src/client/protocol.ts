/**
 * The parts of the client protocol v1 (PROTOCOL.md) that the client library needs. The library
 * ships without the server, so these are restated here rather than imported from src/domain.
 */

export const CHARGE_WAYS = ["auto", "device", "concurrent-device", "concurrent-instance", "scan", "page", "domain"] as const;
/** The charge way a client asks for; `auto` (the default) accepts any. */
export type ChargeWay = (typeof CHARGE_WAYS)[number];

export const DEPLOYMENT_TYPES = ["browser", "mobile", "server", "desktop", "embedded"] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

/** The numeric error codes of PROTOCOL.md, "Error codes"; the number is the contract. */
export const ERROR_CODES = {
  INVALID_REQUEST: 1,
  STORAGE_UNAVAILABLE: 2,
  RATE_LIMITED: 3,
  NOT_READY: 100,
  HANDSHAKE_NOT_FOUND: 101,
  BAD_SESSION_PASSWORD: 102,
  DOMAIN_MISMATCH: 103,
  NO_MATCHING_LICENSE: 104,
  PRODUCT_MISMATCH: 106,
  VERSION_MISMATCH: 107,
  DEPLOYMENT_MISMATCH: 108,
  EDITION_MISMATCH: 109,
  LICENSE_EXPIRED: 111,
  LICENSE_NOT_YET_VALID: 112,
  LICENSE_REVOKED: 113,
  VALIDATION_FIELD_MISMATCH: 114,
  CHARGE_WAY_MISMATCH: 115,
  USAGE_EXCEEDED: 120,
  ORGANIZATION_NOT_FOUND: 121,
  HANDSHAKE_ORG_MISMATCH: 122,
  NO_HANDSHAKE: 123,
  INSTANCES_EXCEEDED: 130,
} as const;

/**
 * Answers that say "this server cannot decide now" rather than "no": the client tries the next
 * server and, failing that, its cache. 100 is the one PROTOCOL.md names for failover; 2 (storage)
 * and 3 (rate limited) say "retry later" and are handled the same way.
 */
export const TRANSIENT_CODES: ReadonlySet<number> = new Set([ERROR_CODES.NOT_READY, ERROR_CODES.STORAGE_UNAVAILABLE, ERROR_CODES.RATE_LIMITED]);

/** What a grant says (the `license` object of an authorize or report answer). Servers may add fields. */
export interface LtsLicense {
  handshakeCode: string;
  itemId: string;
  /** The item's charge way (never `auto`). */
  chargeWay: Exclude<ChargeWay, "auto">;
  product: string;
  modules: string[];
  instances: number;
  itemExpiresAt: string;
  /** Until when the client may work from its cache without the server. */
  validUntil: string;
  reportIntervalSeconds: number;
  handshakeUpdatedAt: string;
  [extra: string]: unknown;
}

export const SLOT_MS = 3 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;
/** The server refuses records whose slot is older than this (PROTOCOL.md, code 1). */
export const REPORT_MAX_AGE_MS = 30 * DAY_MS;
export const MAX_RECORDS_PER_REPORT = 1000;
export const MAX_NAMES_PER_RECORD = 32;
/** Counts (name and number pairs) in all the records of one report, at most: each may make a row on the server. */
export const MAX_COUNTS_PER_REPORT = 4000;
export const DEFAULT_REPORT_INTERVAL_SECONDS = 180;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
export const DEVICE_UUID_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

/** The start of the 3-minute UTC slot that holds `ms`, as an ISO string with milliseconds. */
export function slotOf(ms: number): string {
  return new Date(Math.floor(ms / SLOT_MS) * SLOT_MS).toISOString();
}

export function isChargeWay(value: unknown): value is ChargeWay {
  return (CHARGE_WAYS as readonly unknown[]).includes(value);
}

/**
 * Reads a `license` object from a verified answer, or null when it lacks what the client relies on.
 * Extra fields are kept (responses may gain fields).
 */
export function readLicense(value: unknown): LtsLicense | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const l = value as Record<string, unknown>;
  if (typeof l.handshakeCode !== "string" || typeof l.itemId !== "string" || typeof l.validUntil !== "string") return null;
  if (!Number.isFinite(Date.parse(l.validUntil))) return null;
  if (!isChargeWay(l.chargeWay) || l.chargeWay === "auto") return null;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const positive = (v: unknown, fallback: number) => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : fallback);
  return {
    ...l,
    handshakeCode: l.handshakeCode,
    itemId: l.itemId,
    chargeWay: l.chargeWay,
    product: text(l.product),
    modules: Array.isArray(l.modules) ? l.modules.filter((m): m is string => typeof m === "string") : [],
    instances: positive(l.instances, 1),
    itemExpiresAt: text(l.itemExpiresAt),
    validUntil: l.validUntil,
    reportIntervalSeconds: positive(l.reportIntervalSeconds, DEFAULT_REPORT_INTERVAL_SECONDS),
    handshakeUpdatedAt: text(l.handshakeUpdatedAt),
  };
}
