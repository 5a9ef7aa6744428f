import * as v from "valibot";
import { CHARGE_WAY_NAMES } from "../../domain/charge-ways";

// Requests are strict (PROTOCOL.md): unknown fields are refused, numbers are safe non-negative
// integers within bounds, strings have lengths. A failure is code 1 and changes nothing.
const token = (min: number, max: number) => v.pipe(v.string(), v.regex(new RegExp(`^[A-Za-z0-9_-]{${min},${max}}$`), `must be ${min}–${max} characters of A-Z a-z 0-9 _ -`));
const text = (max: number) => v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(max, `must be at most ${max} characters`));
const count = (max: number) => v.pipe(v.number(), v.safeInteger("must be a whole number"), v.minValue(0, "must not be negative"), v.maxValue(max, `must be at most ${max}`));

export const Nonce = token(16, 64);
export const HandshakeCodeField = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,32}-[A-Za-z0-9_-]{1,64}$/, "must look like {organizationId}-{suffix}"));
export const OrganizationIdField = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,32}$/, "must be 1–32 letters or digits"));
const SessionPassword = v.pipe(v.string(), v.maxLength(256, "must be at most 256 characters"));
const DeviceUuid = token(8, 128);
const ItemId = v.pipe(v.string(), v.regex(/^[0-9]{1,20}$/, "must be the item id's digits"));

export const AuthorizeRequest = v.strictObject({
  handshakeCode: v.optional(HandshakeCodeField),
  organizationId: v.optional(OrganizationIdField),
  sessionPassword: v.optional(SessionPassword),
  device: v.strictObject({ uuid: DeviceUuid, name: v.optional(v.pipe(v.string(), v.maxLength(64, "must be at most 64 characters"))) }),
  product: text(64),
  version: count(1_000_000),
  edition: text(64),
  deploymentType: v.picklist(["browser", "mobile", "server", "desktop", "embedded"], "must be browser, mobile, server, desktop or embedded"),
  chargeWay: v.optional(v.picklist(["auto", ...CHARGE_WAY_NAMES], `must be auto or one of ${CHARGE_WAY_NAMES.join(", ")}`), "auto"),
  validation: v.optional(v.strictObject({ domain: v.optional(text(253)), appId: v.optional(text(256)), processName: v.optional(text(256)) })),
  instances: v.optional(v.pipe(count(1_000_000), v.minValue(1, "must be at least 1")), 1),
  modules: v.optional(v.pipe(v.array(text(64)), v.maxLength(100, "must list at most 100 modules"))),
  nonce: Nonce,
});
export type AuthorizeRequest = v.InferOutput<typeof AuthorizeRequest>;

const RESERVED_NAMES = ["__proto__", "constructor", "prototype"];
/** Counts (name and number pairs) in all the records of one report, at most. */
export const MAX_COUNTS_PER_REPORT = 4000;

export const ReportRequest = v.strictObject({
  handshakeCode: HandshakeCodeField,
  sessionPassword: v.optional(SessionPassword),
  itemId: ItemId,
  device: v.strictObject({ uuid: DeviceUuid }),
  reportId: token(8, 64),
  records: v.pipe(
    v.array(
      v.strictObject({
        slot: v.string(),
        counts: v.pipe(
          // v.record() silently drops these keys (and takes an array for an object): refuse them first.
          v.custom<Record<string, unknown>>(
            (c) => typeof c === "object" && c !== null && !Array.isArray(c) && !Object.keys(c).some((k) => RESERVED_NAMES.includes(k)),
            "must map counter names to counts (__proto__, constructor and prototype are not counter names)",
          ),
          v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, "names are 1–64 characters of A-Z a-z 0-9 _ . -")), count(Number.MAX_SAFE_INTEGER)),
          v.check((c) => Object.keys(c).length <= 32, "at most 32 names"),
        ),
      }),
    ),
    v.minLength(1, "must not be empty"),
    v.maxLength(1000, "must have at most 1000 records"),
    // Each count may make a usage row: a report's rows are bounded (PROTOCOL.md, "POST /api/v1/report").
    v.check((records) => records.reduce((n, r) => n + Object.keys(r.counts).length, 0) <= MAX_COUNTS_PER_REPORT, `must hold at most ${MAX_COUNTS_PER_REPORT} counts in all; split the usage into several reports`),
  ),
  nonce: Nonce,
});
export type ReportRequest = v.InferOutput<typeof ReportRequest>;

export const ReleaseRequest = v.strictObject({
  handshakeCode: HandshakeCodeField,
  sessionPassword: v.optional(SessionPassword),
  itemId: ItemId,
  device: v.strictObject({ uuid: DeviceUuid }),
  nonce: Nonce,
});
export type ReleaseRequest = v.InferOutput<typeof ReleaseRequest>;
