import * as v from "valibot";
import { DAY_MS } from "./slots";

/**
 * The vocabulary of license files (PROTOCOL.md, "License file"; DESIGN.md, "License items and
 * charge ways"): what a vendor sells, as the signed payload carries it and as SPEC.json describes
 * it to `lts-vendor issue`. Every schema is strict (a field it does not list is refused) and every
 * message names what is allowed; describeIssues() puts the field's path in front of it, e.g.
 * `items[2].quantity: must be a whole number from 1 to 9007199254740991`.
 */

export const CHARGE_WAYS = ["device", "concurrent-device", "concurrent-instance", "scan", "page", "domain"] as const;
export type ChargeWay = (typeof CHARGE_WAYS)[number];

export const DEPLOYMENT_TYPES = ["browser", "mobile", "server", "desktop", "embedded"] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

/** The activity windows a `device` item may have, in days. */
export const WINDOW_DAYS = [365, 90, 30, 1] as const;
export type WindowDays = (typeof WINDOW_DAYS)[number];

export const LICENSE_STATUSES = ["new", "activated", "revocation"] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

/** Days an item keeps serving after its expiry unless the vendor set `graceDays`. */
export const DEFAULT_GRACE_DAYS = 7;
export const MAX_GRACE_DAYS = 365;
export const MAX_QUANTITY = Number.MAX_SAFE_INTEGER;
export const MAX_ID_DIGITS = 20;

/** A server's machine UUID as lts prints it: upper-case hex, 8-4-4-4-12. */
export const SERVER_UUID_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
export const ORGANIZATION_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;
const DIGITS = new RegExp(`^[0-9]{1,${MAX_ID_DIGITS}}$`);
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CONTROL = /\p{Cc}/u;

const oneOf = (values: readonly (string | number)[]) => `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;

// ---- field schemas; each has one message that says what is allowed -------------------------------

const wholeNumber = (min: number, max: number, message = `must be a whole number from ${min} to ${max}`) =>
  v.pipe(
    v.number(message),
    v.check((n) => Number.isSafeInteger(n) && n >= min && n <= max, message),
  );

const digitsId = (example: string) => {
  const message = `must be a string of 1 to ${MAX_ID_DIGITS} digits, e.g. "${example}"`;
  return v.pipe(v.string(message), v.regex(DIGITS, message));
};

/** Printable text: no control characters, no leading or trailing spaces, `min`…`max` characters. */
const text = (min: number, max: number) => {
  const message = `must be text of ${min} to ${max} characters, without control characters or leading/trailing spaces`;
  return v.pipe(
    v.string(message),
    v.check((s) => s.length >= min && s.length <= max && !CONTROL.test(s) && s.trim() === s, message),
  );
};

const isIsoTime = (s: string) => ISO_UTC_MS.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;

const isoTime = (() => {
  const message = "must be an ISO-8601 UTC time with milliseconds, e.g. 2026-11-28T12:03:00.000Z";
  return v.pipe(v.string(message), v.check(isIsoTime, message));
})();

const uniqueList = <T extends v.GenericSchema<unknown, string>>(element: T, min: number, max: number, what: string) => {
  const message = `must be a list of ${min === 0 ? "up to" : `${min} to`} ${max} distinct ${what}`;
  return v.pipe(
    v.array(element, message),
    v.check((list) => list.length >= min && list.length <= max && new Set(list).size === list.length, message),
  );
};

const serverUuid = (() => {
  const message = "must be a server UUID: upper-case hex digits 8-4-4-4-12, e.g. 0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0 (`lts uuid` prints it)";
  return v.pipe(v.string(message), v.regex(SERVER_UUID_PATTERN, message));
})();

const organizationId = (() => {
  const message = "must be 1 to 32 letters or digits (A-Z, a-z, 0-9; no '-')";
  return v.pipe(v.string(message), v.regex(ORGANIZATION_ID_PATTERN, message));
})();

/**
 * A strict object whose messages name the allowed fields: an unknown field, a missing one (with
 * what it must be) and a value that is not an object at all.
 */
function record<E extends v.ObjectEntries>(what: string, entries: E) {
  const fields = Object.keys(entries).join(", ");
  return v.strictObject(entries, (issue) => {
    if (issue.expected === "never") return `is not a field of ${what}; the fields are ${fields}`;
    const key = issue.path?.at(-1)?.key;
    if (issue.input === undefined && typeof key === "string" && key in entries) {
      const hint = v.safeParse(entries[key]!, undefined).issues?.[0]?.message;
      return hint ? `is required; it ${hint}` : "is required";
    }
    return `must be ${what}: a JSON object with the fields ${fields}`;
  });
}

// ---- items ---------------------------------------------------------------------------------------

const ITEM_FIELDS = {
  description: text(0, 500),
  product: text(1, 64),
  version: wholeNumber(0, Number.MAX_SAFE_INTEGER, `must be the major version: a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`),
  edition: text(1, 64),
  deploymentTypes: uniqueList(v.picklist(DEPLOYMENT_TYPES, `must be one of ${oneOf(DEPLOYMENT_TYPES)}`), 1, DEPLOYMENT_TYPES.length, `deployment types among ${oneOf(DEPLOYMENT_TYPES)}`),
  chargeWay: v.picklist(CHARGE_WAYS, `must be one of ${oneOf(CHARGE_WAYS)}`),
  quantity: wholeNumber(1, MAX_QUANTITY),
  windowDays: v.optional(v.picklist(WINDOW_DAYS, `must be one of ${oneOf(WINDOW_DAYS)} (days)`)),
  startsAt: isoTime,
  expiresAt: isoTime,
  graceDays: v.optional(wholeNumber(0, MAX_GRACE_DAYS, `must be a whole number of days from 0 to ${MAX_GRACE_DAYS} (default ${DEFAULT_GRACE_DAYS})`)),
  modules: uniqueList(text(1, 64), 0, 100, "module names (an empty list for none)"),
};

// windowDays belongs to `device` items, and only to them; an item ends after it starts. (A
// failed check leaves a value typed, so a rule over two fields skips values already refused.)
const windowDaysFits = (item: { chargeWay: ChargeWay; windowDays?: WindowDays | undefined }) => (item.chargeWay === "device") === (item.windowDays !== undefined);
const windowDaysProblem = (issue: v.BaseIssue<unknown>) => {
  const chargeWay = (issue.input as { chargeWay: ChargeWay }).chargeWay;
  return chargeWay === "device"
    ? `is required for chargeWay "device": one of ${oneOf(WINDOW_DAYS)} (days)`
    : `is only for chargeWay "device"; remove it from this ${chargeWay} item`;
};
const endsAfterStart = (item: { startsAt: string; expiresAt: string }) =>
  !isIsoTime(item.startsAt) || !isIsoTime(item.expiresAt) || Date.parse(item.expiresAt) > Date.parse(item.startsAt);
const endsAfterStartProblem = (issue: v.BaseIssue<unknown>) => `must be after startsAt (${(issue.input as { startsAt: string }).startsAt})`;

/** One item of a license: what is sold, for how long, and how its use is charged. */
export const LicenseItem = v.pipe(
  record("an item", { itemId: digitsId("1000001"), ...ITEM_FIELDS }),
  v.forward(v.partialCheck([["chargeWay"], ["windowDays"]], windowDaysFits, windowDaysProblem), ["windowDays"]),
  v.forward(v.partialCheck([["startsAt"], ["expiresAt"]], endsAfterStart, endsAfterStartProblem), ["expiresAt"]),
);
export type LicenseItem = v.InferOutput<typeof LicenseItem>;

/** An item as SPEC.json gives it: its id may be left out, and `lts-vendor issue` makes one. */
export const LicenseSpecItem = v.pipe(
  record("an item", { itemId: v.optional(digitsId("1000001")), ...ITEM_FIELDS }),
  v.forward(v.partialCheck([["chargeWay"], ["windowDays"]], windowDaysFits, windowDaysProblem), ["windowDays"]),
  v.forward(v.partialCheck([["startsAt"], ["expiresAt"]], endsAfterStart, endsAfterStartProblem), ["expiresAt"]),
);
export type LicenseSpecItem = v.InferOutput<typeof LicenseSpecItem>;

function itemsOf<I extends v.GenericSchema>(item: I, min: number) {
  const listMessage = min === 0 ? "must be a list of items" : "must be a list of at least one item";
  return v.pipe(
    v.array(item, listMessage),
    v.check((items) => items.length >= min, listMessage),
    v.check(
      (items) => duplicateIds(items) === null,
      (issue) => `item ids must be unique within the file; ${duplicateIds(issue.input as { itemId?: string }[])} appears more than once`,
    ),
  );
}

function duplicateIds(items: readonly unknown[]): string | null {
  const seen = new Set<string>();
  for (const item of items) {
    const id = (item as { itemId?: unknown }).itemId;
    if (typeof id !== "string") continue;
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return null;
}

// ---- the payload ---------------------------------------------------------------------------------

/**
 * The signed content of a license file. `new`: issued, not yet bound (no boundUuids, no
 * activatedAt). `activated`: bound to 1–2 server UUIDs. `revocation`: bound like an activated
 * file, lists in `revokes` the item ids it revokes, and may have no items.
 */
export const LicensePayload = v.pipe(
  record("a license payload", {
    licenseId: digitsId("2001"),
    alias: text(1, 128),
    organizationId,
    licensee: text(1, 200),
    status: v.picklist(LICENSE_STATUSES, `must be one of ${oneOf(LICENSE_STATUSES)}`),
    boundUuids: uniqueList(serverUuid, 0, 2, "server UUIDs"),
    issuedAt: isoTime,
    activatedAt: v.optional(v.nullable(isoTime)),
    items: itemsOf(LicenseItem, 0),
    revokes: v.optional(uniqueList(digitsId("1000001"), 1, 1000, "item ids")),
  }),
  v.forward(
    v.partialCheck(
      [["status"], ["boundUuids"]],
      (p) => (p.status === "new" ? p.boundUuids.length === 0 : p.boundUuids.length >= 1),
      (issue) =>
        (issue.input as { status: string }).status === "new"
          ? "must be empty for a new license: it is bound to server UUIDs when activated"
          : `must list 1 or 2 server UUIDs for ${(issue.input as { status: string }).status === "revocation" ? "a revocation" : "an activated license"}`,
    ),
    ["boundUuids"],
  ),
  v.forward(
    v.partialCheck(
      [["status"], ["activatedAt"]],
      (p) => (p.status === "new") === (p.activatedAt === undefined || p.activatedAt === null),
      (issue) =>
        (issue.input as { status: string }).status === "new"
          ? "must be null (or absent) for a new license"
          : "is required once a license is activated: an ISO-8601 UTC time with milliseconds",
    ),
    ["activatedAt"],
  ),
  v.forward(
    v.partialCheck([["status"], ["items"]], (p) => p.status === "revocation" || p.items.length > 0, "must list at least one item"),
    ["items"],
  ),
  v.forward(
    v.partialCheck(
      [["status"], ["revokes"]],
      (p) => (p.status === "revocation") === (p.revokes !== undefined),
      (issue) =>
        (issue.input as { status: string }).status === "revocation"
          ? 'is required for a revocation: the item ids it revokes, e.g. ["1000001"]'
          : "is only for a revocation; remove it",
    ),
    ["revokes"],
  ),
);
export type LicensePayload = v.InferOutput<typeof LicensePayload>;

/**
 * SPEC.json for `lts-vendor issue`: the payload without status, boundUuids, issuedAt and
 * activatedAt (the tool sets them); licenseId and item ids are generated when missing.
 */
export const LicenseSpec = record("a license spec", {
  licenseId: v.optional(digitsId("2001")),
  alias: text(1, 128),
  organizationId,
  licensee: text(1, 200),
  items: itemsOf(LicenseSpecItem, 1),
});
export type LicenseSpec = v.InferOutput<typeof LicenseSpec>;

// ---- results -------------------------------------------------------------------------------------

export type Validated<T> = { success: true; output: T } | { success: false; problems: string[] };

/** Validates `input` against a schema of this module; problems are describeIssues() lines. */
export function validate<S extends v.GenericSchema>(schema: S, input: unknown): Validated<v.InferOutput<S>> {
  const result = v.safeParse(schema, input);
  return result.success ? { success: true, output: result.output } : { success: false, problems: describeIssues(result.issues) };
}

/** Turns valibot issues into `path: message` lines, e.g. `items[2].quantity: must be …`, in order, without repeats. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string[] {
  const lines = issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((item, i) => (typeof item.key === "number" ? `[${item.key}]` : i === 0 ? String(item.key) : `.${String(item.key)}`))
      .join("");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return [...new Set(lines)];
}

/** The grace days an item has: its own, or the default of 7. */
export function graceDaysOf(item: Pick<LicenseItem, "graceDays">): number {
  return item.graceDays ?? DEFAULT_GRACE_DAYS;
}

/** The moment an item stops serving: expiry plus grace. */
export function itemServesUntil(item: Pick<LicenseItem, "expiresAt" | "graceDays">): Date {
  return new Date(Date.parse(item.expiresAt) + graceDaysOf(item) * DAY_MS);
}
