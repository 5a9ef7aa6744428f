// The machine UUID: the hardware binding licenses are activated for (DESIGN.md, "Machine UUID").
import { createHash } from "node:crypto";

/** The hardware labels an admin can bind the UUID to, in the order the portal lists them. */
export const MACHINE_LABELS = ["processor-id", "mac", "machine-id", "motherboard-serial", "custom"] as const;
export type MachineLabel = (typeof MACHINE_LABELS)[number];

export const LABEL_NAMES: Record<MachineLabel, string> = {
  "processor-id": "ProcessorId",
  mac: "MAC address",
  "machine-id": "Machine ID",
  "motherboard-serial": "Motherboard serial",
  custom: "Custom ID file",
};

export function isMachineLabel(name: string): name is MachineLabel {
  return (MACHINE_LABELS as readonly string[]).includes(name);
}

/** "MAC address, Machine ID": labels for people, in the portal's order. */
export function labelNames(labels: readonly MachineLabel[]): string {
  return sortLabels(labels)
    .map((l) => LABEL_NAMES[l])
    .join(", ");
}

export function sortLabels(labels: readonly MachineLabel[]): MachineLabel[] {
  return MACHINE_LABELS.filter((l) => labels.includes(l));
}

/** One label as read on this machine: its value, or why it has none. */
export type LabelReading = { label: MachineLabel; value: string; reason: null } | { label: MachineLabel; value: null; reason: string };

/** What the portal shows of a reading: never the raw value. */
export interface LabelAvailability {
  label: MachineLabel;
  name: string;
  available: boolean;
  reason: string | null;
}

export function availability(reading: LabelReading): LabelAvailability {
  return { label: reading.label, name: LABEL_NAMES[reading.label], available: reading.value !== null, reason: reading.reason };
}

/**
 * Domain separation and version of the encoding. Changing anything about the encoding needs a new
 * version, or every server's UUID would silently change.
 */
const ENCODING_VERSION = "lts-uuid/v1";

/**
 * The canonical text hashed into the UUID: the version line, then one `name=value` line per chosen
 * label in a fixed (sorted) order, each value JSON-encoded. JSON strings cannot hold a raw line
 * end and the names are fixed, so the encoding is injective: no two label sets share a text
 * (`{a:"x\nb=y"}` and `{a:"x", b:"y"}` differ).
 */
export function canonicalEncoding(values: Partial<Record<MachineLabel, string>>): string {
  const names = (Object.keys(values) as MachineLabel[]).filter((l) => values[l] !== undefined).sort();
  return `${ENCODING_VERSION}\n` + names.map((name) => `${name}=${JSON.stringify(values[name])}\n`).join("");
}

/**
 * UUID = the first 16 bytes of SHA-256 over the canonical encoding of the chosen labels' names and
 * values, printed upper-case `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`. Needs at least one label.
 */
export function deriveMachineUuid(values: Partial<Record<MachineLabel, string>>): string {
  if (!Object.values(values).some((v) => v !== undefined)) throw new Error("deriveMachineUuid: at least one label is needed");
  const hex = createHash("sha256").update(canonicalEncoding(values), "utf8").digest("hex").slice(0, 32).toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const MACHINE_UUID_PATTERN = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/**
 * A label value's fingerprint (hex SHA-256), stored so that a later mismatch can name the label
 * that changed without keeping the raw serials (systemd calls the machine-id confidential).
 */
export function labelDigest(value: string): string {
  return createHash("sha256").update(`${ENCODING_VERSION}/label\n${value}`, "utf8").digest("hex");
}

/**
 * The chosen labels whose value differs from the one the UUID was generated with, or has none on
 * this machine now. `stored`: label → digest as saved; `current`: label → value read now.
 */
export function compareIdentity(stored: Partial<Record<MachineLabel, string>>, current: Partial<Record<MachineLabel, string | null>>): MachineLabel[] {
  return sortLabels(Object.keys(stored).filter(isMachineLabel)).filter((label) => {
    const value = current[label];
    return value === undefined || value === null || labelDigest(value) !== stored[label];
  });
}

/** Values that firmware and hypervisors put where a serial belongs: not an identity. */
const PLACEHOLDERS = new Set(
  [
    "-",
    "0",
    "none",
    "n/a",
    "na",
    "null",
    "unknown",
    "default string",
    "to be filled by o.e.m.",
    "to be filled by oem",
    "not specified",
    "not applicable",
    "not available",
    "system serial number",
    "chassis serial number",
    "base board serial number",
    "serial number",
    "0123456789",
    "123456789",
    "1234567890",
    "oem",
    "o.e.m.",
  ].map((s) => s.toLowerCase()),
);

/**
 * A raw value as it enters the UUID: trimmed; a MAC lower-case without separators; empty,
 * all-zero and placeholder values refused with the reason (a label without a value is shown
 * disabled, never hashed as empty).
 */
export function normalizeLabelValue(label: MachineLabel, raw: string | null | undefined): { value: string; reason: null } | { value: null; reason: string } {
  const trimmed = (raw ?? "").trim();
  if (trimmed === "") return { value: null, reason: "empty" };
  if (label === "mac") {
    const hex = trimmed.toLowerCase().replace(/[:-]/g, "");
    if (!/^[0-9a-f]{12}$/.test(hex)) return { value: null, reason: `not a MAC address: ${JSON.stringify(trimmed)}` };
    if (/^0+$/.test(hex) || /^f+$/.test(hex)) return { value: null, reason: "all-zero or broadcast address" };
    return { value: hex, reason: null };
  }
  if (label === "custom") return { value: trimmed, reason: null };
  if (PLACEHOLDERS.has(trimmed.toLowerCase()) || /^[0\-: ]+$/.test(trimmed) || /^[f\-: ]+$/i.test(trimmed)) {
    return { value: null, reason: `a placeholder, not a serial (${JSON.stringify(trimmed)})` };
  }
  return { value: trimmed, reason: null };
}

/**
 * The hardware binding as the rest of the server sees it, computed at every start (and after
 * every change) from the stored choice and the labels read on this machine now.
 */
export interface MachineStatus {
  /** "starting": not computed yet; "none": no UUID generated; "mismatch": a chosen label changed. */
  state: "starting" | "none" | "mismatch" | "ok";
  /** The UUID the stored label choice gives on this hardware now (null: none stored, or a chosen label has no value now). */
  uuid: string | null;
  /** The UUID as generated and stored: what the imported licenses are bound to. */
  storedUuid: string | null;
  /** The chosen labels. */
  labels: MachineLabel[];
  /** Chosen labels whose value differs now (or has none): clients are refused while any. */
  changedLabels: MachineLabel[];
  /** The stored custom ID file path, when `custom` is chosen. */
  customIdFile: string | null;
  /** True when clients can be authorized: a UUID exists and this hardware still gives it. */
  ready: boolean;
  /** Why not ready (or "ready"), for /healthz and logs. */
  reason: string;
}

export const STARTING_STATUS: MachineStatus = {
  state: "starting",
  uuid: null,
  storedUuid: null,
  labels: [],
  changedLabels: [],
  customIdFile: null,
  ready: false,
  reason: "starting up: reading the hardware labels",
};

export const NO_UUID_REASON = "no machine UUID yet: generate one in the portal (Generate UUID) or with `lts uuid generate`";

/** The status for a stored identity (or none) and the labels read now. */
export function machineStatus(
  stored: { uuid: string; labels: MachineLabel[]; digests: Partial<Record<MachineLabel, string>>; customIdFile: string | null } | null,
  current: Partial<Record<MachineLabel, string | null>>,
): MachineStatus {
  if (!stored) return { ...STARTING_STATUS, state: "none", reason: NO_UUID_REASON };
  const changedLabels = compareIdentity(stored.digests, current);
  const values: Partial<Record<MachineLabel, string>> = {};
  for (const label of stored.labels) if (current[label]) values[label] = current[label]!;
  const complete = stored.labels.length > 0 && stored.labels.every((l) => values[l] !== undefined);
  const uuid = complete ? deriveMachineUuid(values) : null;
  const ok = changedLabels.length === 0 && uuid === stored.uuid;
  return {
    state: ok ? "ok" : "mismatch",
    uuid,
    storedUuid: stored.uuid,
    labels: sortLabels(stored.labels),
    changedLabels,
    customIdFile: stored.customIdFile,
    ready: ok,
    reason: ok ? "ready" : `hardware binding mismatch: ${changedLabels.length ? labelNames(changedLabels) : "the labels"} changed since the UUID was generated`,
  };
}
