import { createHash } from "node:crypto";
import { API_ERRORS, refuse, type Refusal } from "../../domain/api-errors";
import { consumptionCap, deviceLimit, validUntil } from "../../domain/charge-ways";
import { DAY_MS, dayOf, isoTime, parseSlot, SLOT_MS, slotOf } from "../../domain/slots";
import type { DeviceActivity } from "../usage/rollup-store";
import type { ApiCode, ApiItem } from "../usage/usage-store";
import { grantOf, type LicenseGrant } from "./authorize";
import type { ApiContext } from "./context";
import { isRefusal, resolveCode } from "./resolve-code";
import type { ReportRequest } from "./schemas";

export const REPORT_MAX_SKEW_MS = 5 * 60_000;
export const REPORT_MAX_AGE_MS = 30 * DAY_MS;
/** Reports are remembered at least this long, for idempotency. */
export const REPORT_RETENTION_MS = 35 * DAY_MS;
/** Devices of scan, page and domain items silent this long are forgotten, with their grants. */
export const SILENT_DEVICE_RETENTION_MS = 35 * DAY_MS;

export type ReportOutcome = { ok: true; accepted: number; duplicate: boolean; license: LicenseGrant } | { ok: false; refusal: Refusal };

/**
 * Records a device's usage for one item (PROTOCOL.md, "POST /api/v1/report"): every record in its
 * own slot — also on an item that no longer serves (revoked 113, expired 111, not yet started
 * 112), whose answer is then that code so the client stops; scan and page items debited by the sum of the counts (past the cap the usage is still
 * recorded, and the answer is 120 so the client stops); device items refreshed; concurrent seats
 * occupied for the reported slots. Idempotent by (device, reportId): the same records again get
 * the first answer with duplicate: true; other records under a used id are refused (code 1).
 * Check, write and the stored answer are one transaction.
 */
export async function report(ctx: ApiContext, req: ReportRequest): Promise<ReportOutcome> {
  const now = ctx.clock.now().getTime();
  const slots: number[] = [];
  for (const [i, record] of req.records.entries()) {
    const slot = parseSlot(record.slot);
    if (slot === null) return refused(1, `records[${i}].slot must be a slot start: an ISO UTC time on a minute divisible by 3, e.g. 2026-11-28T12:03:00.000Z.`);
    if (slot > now + REPORT_MAX_SKEW_MS) return refused(1, `records[${i}].slot is in the future; check the device's clock.`);
    if (slot < slotOf(now) - REPORT_MAX_AGE_MS) return refused(1, `records[${i}].slot is older than 30 days; such usage can no longer be reported.`);
    slots.push(slot);
  }
  const notReady = ctx.notReady();
  if (notReady) return refused(100, notReady);

  return ctx.atomically((): ReportOutcome => {
    const code = resolveCode(ctx, req, now, { validate: false });
    if (isRefusal(code)) return { ok: false, refusal: code };
    const item = ctx.store.itemOfCode(code.id, req.itemId);
    if (!item) return refused(104, `Item ${req.itemId} is not linked to handshake code ${code.code}.`);
    const badName = unknownCounterName(item, req.records);
    if (badName) return refused(1, badName);
    if (!ctx.store.hasGrant(code.id, item.rowId, req.device.uuid)) return refused(104, `Device ${req.device.uuid} holds no grant on item ${req.itemId} from ${code.code}: authorize first.`);

    const hash = recordsHash(req.records);
    const seen = ctx.store.report(req.device.uuid, req.reportId);
    if (seen) {
      if (seen.recordsHash !== hash) return refused(1, `reportId ${req.reportId} was already used for other records: use a fresh reportId for new usage.`);
      const first = JSON.parse(seen.response) as ReportOutcome;
      return first.ok ? { ...first, duplicate: true } : first;
    }
    const recorded = record(ctx, code, item, req, slots, now);
    // The usage happened and stays recorded; an item that no longer serves tells the client to stop.
    const state = itemStateRefusal(item, now);
    const outcome: ReportOutcome = state ? { ok: false, refusal: state } : recorded;
    ctx.store.saveReport(req.device.uuid, req.reportId, hash, JSON.stringify(outcome), outcome.ok ? 200 : API_ERRORS[outcome.refusal.code].http, now);
    return outcome;
  });
}

function record(ctx: ApiContext, code: ApiCode, item: ApiItem, req: ReportRequest, slots: number[], now: number): ReportOutcome {
  let total = 0;
  // The device's activity per UTC day of its slots: a late report counts on the days it reports.
  const days = new Map<number, DeviceActivity>();
  for (const [i, { counts }] of req.records.entries()) {
    const slot = slots[i]!;
    const activity = days.get(dayOf(slot)) ?? { firstAt: slot, lastAt: slot, authorizations: 0, reports: 1, units: 0 };
    days.set(dayOf(slot), activity);
    activity.firstAt = Math.min(activity.firstAt, slot);
    activity.lastAt = Math.max(activity.lastAt, slot);
    for (const [name, count] of Object.entries(counts)) {
      if (count === 0) continue;
      ctx.store.addUsage(item.rowId, code.id, slot, name, count);
      total = Math.min(total + count, Number.MAX_SAFE_INTEGER); // counters saturate: only safe integers are stored
      activity.units = Math.min(activity.units + count, Number.MAX_SAFE_INTEGER);
    }
  }
  for (const activity of days.values()) ctx.store.rollups.deviceDay(item.rowId, code.id, req.device.uuid, activity);
  const servesUntil = item.expiresAt + item.graceDays * DAY_MS;
  let deviceActiveUntil: number | undefined;
  let heldUntil = Number.POSITIVE_INFINITY;
  switch (item.chargeWay) {
    case "scan":
    case "page":
      ctx.store.touchDevice(item.rowId, req.device.uuid, null, now, now); // in touch: not a silent device (forgetSilentDevices)
      if (total > 0) ctx.store.addConsumed(item.rowId, total);
      if (ctx.store.consumed(item.rowId) > consumptionCap(item.quantity)) return refused(120, `Item ${item.itemId}'s ${item.chargeWay}s are used up; this usage was recorded.`);
      break;
    case "device": {
      // The report refreshes an active device. A lapsed one is new again: it gets a seat only if
      // one is free, as at authorize; else its usage is recorded and its license stays expired.
      const stored = ctx.store.contact(item.rowId, req.device.uuid);
      const activeUntil = stored?.activeUntil ?? now;
      const active = activeUntil > now;
      if (active || ctx.store.activeDevices(item.rowId, now) < deviceLimit(item.quantity)) {
        deviceActiveUntil = ctx.store.touchDevice(item.rowId, req.device.uuid, null, now, now + (item.windowDays ?? 365) * DAY_MS, true, active ? stored : undefined);
      } else deviceActiveUntil = activeUntil;
      break;
    }
    case "concurrent-device":
    case "concurrent-instance": {
      for (const slot of new Set(slots)) ctx.store.putSeat(item.rowId, slot, req.device.uuid, 1, false);
      // A grant holds the next slot, a report does not: the answer promises only the seats held.
      const last = ctx.store.lastSeat(item.rowId, req.device.uuid, slotOf(now));
      heldUntil = last === null ? now : last + SLOT_MS;
      break;
    }
    case "domain":
      ctx.store.touchDevice(item.rowId, req.device.uuid, null, now, now);
      break;
  }
  const until = Math.min(heldUntil, validUntil(item.chargeWay, { now, servesUntil, deviceActiveUntil }));
  return { ok: true, accepted: req.records.length, duplicate: false, license: grantOf(code, item, 1, until) };
}

/**
 * The counter names a report may use for an item (PROTOCOL.md, "POST /api/v1/report"): its modules
 * and its unit (`scans` for a scan item, `pages` for a page item, either for the others). Free
 * names would let anyone who holds the (public) license key make rows without bound.
 */
export function counterNames(item: Pick<ApiItem, "chargeWay" | "modules">): string[] {
  const units = item.chargeWay === "scan" ? ["scans"] : item.chargeWay === "page" ? ["pages"] : ["scans", "pages"];
  return [...item.modules, ...units];
}

function unknownCounterName(item: ApiItem, records: ReportRequest["records"]): string | null {
  const allowed = counterNames(item);
  for (const [i, { counts }] of records.entries()) {
    const name = Object.keys(counts).find((n) => !allowed.includes(n));
    if (name !== undefined) return `records[${i}].counts: "${name}" is not a counter of item ${item.itemId}; count one of ${allowed.join(", ")}.`;
  }
  return null;
}

/** Why an item no longer serves (PROTOCOL.md, "POST /api/v1/report": 113, 111, 112), or null. */
function itemStateRefusal(item: ApiItem, now: number): Refusal | null {
  if (item.revokedAt !== null) return refuse(113, `Item ${item.itemId} was revoked; this usage was recorded.`);
  if (now >= item.expiresAt + item.graceDays * DAY_MS) return refuse(111, `Item ${item.itemId} expired on ${isoTime(item.expiresAt).slice(0, 10)} (grace included); this usage was recorded.`);
  if (now < item.startsAt) return refuse(112, `Item ${item.itemId} starts on ${isoTime(item.startsAt).slice(0, 10)}; this usage was recorded.`);
  return null;
}

function refused(code: Refusal["code"], message: string): ReportOutcome {
  return { ok: false, refusal: refuse(code, message) };
}

/** SHA-256 of the records as canonical JSON (keys sorted): key order does not make a report new. */
export function recordsHash(records: ReportRequest["records"]): string {
  const canonical = records.map((r) => ({ slot: r.slot, counts: Object.fromEntries(Object.entries(r.counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) }));
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}
