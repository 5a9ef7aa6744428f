import { refuse, type Refusal } from "../../domain/api-errors";
import { GRANTED_RESULT } from "../../db/schema/rollups";
import { CAPACITY_STAGE, checkItemFit, REPORT_INTERVAL_SECONDS } from "../../domain/charge-ways";
import { compareByDefaultOrder } from "../../domain/consumption-order";
import { DAY_MS, isoTime, slotOf } from "../../domain/slots";
import type { ApiCode, ApiItem } from "../usage/usage-store";
import { chargeItem } from "./charge-item";
import type { ApiContext } from "./context";
import { isRefusal, requestDomain, resolveCode } from "./resolve-code";
import type { AuthorizeRequest } from "./schemas";

/** What a granted authorize answers (PROTOCOL.md, "POST /api/v1/authorize"). */
export interface LicenseGrant {
  handshakeCode: string;
  itemId: string;
  chargeWay: string;
  product: string;
  modules: string[];
  instances: number;
  itemExpiresAt: string;
  validUntil: string;
  reportIntervalSeconds: number;
  handshakeUpdatedAt: string;
}

export type AuthorizeOutcome = { granted: true; license: LicenseGrant } | { granted: false; refusal: Refusal };

/**
 * Authorizes a device against a handshake code's items: the code checks, then each item in the
 * consumption order — fit, dates, then capacity — and the first that passes serves. Check and
 * charge are one synchronous transaction, so concurrent requests can never take more than there
 * is. Every outcome is counted per code and slot (refusals for unknown codes in one bucket per
 * organization, see refusalBucket). Only "cannot answer" throws.
 */
export function authorize(ctx: ApiContext, req: AuthorizeRequest): Promise<AuthorizeOutcome> {
  const now = ctx.clock.now().getTime();
  const notReady = ctx.notReady();

  return ctx.atomically(() => {
    // Not ready (no UUID, binding mismatch) is a refusal like the others: counted for the code.
    const outcome: AuthorizeOutcome = notReady ? { granted: false, refusal: refuse(100, notReady) } : decide(ctx, req, now);
    const counted = outcome.granted ? outcome.license.handshakeCode : refusalBucket(ctx, req);
    ctx.store.countAuthorization(counted, slotOf(now), outcome.granted);
    ctx.store.rollups.authorization(counted, now, outcome.granted ? GRANTED_RESULT : outcome.refusal.code);
    return outcome;
  });
}

/** The statistics bucket of refused requests whose code does not exist here. */
export const UNKNOWN_CODE_BUCKET = "(unknown)";
/** Authorization counts are kept this long (the statistics retention of slot-level rows). */
export const AUTHORIZATION_COUNT_RETENTION_MS = 35 * DAY_MS;

/**
 * Where a refusal is counted: under its code when the code exists (for an organization alone,
 * its default code); else in one bucket per organization that exists (`{org}-(unknown)`), else in
 * one bucket for all. Names a client makes up never make rows of their own.
 */
function refusalBucket(ctx: ApiContext, req: AuthorizeRequest): string {
  if (req.handshakeCode && ctx.store.codeByName(req.handshakeCode)) return req.handshakeCode;
  const organizationId = req.organizationId ?? req.handshakeCode?.slice(0, req.handshakeCode.indexOf("-"));
  if (!organizationId || !ctx.store.organizationExists(organizationId)) return UNKNOWN_CODE_BUCKET;
  const fallback = req.handshakeCode ? null : ctx.store.defaultCode(organizationId);
  return fallback ? fallback.code : `${organizationId}-${UNKNOWN_CODE_BUCKET}`;
}

function decide(ctx: ApiContext, req: AuthorizeRequest, now: number): AuthorizeOutcome {
  const code = resolveCode(ctx, req, now);
  if (isRefusal(code)) return { granted: false, refusal: code };
  const items = itemsInOrder(ctx, code);
  if (items.length === 0) return { granted: false, refusal: refuse(104, `Handshake code ${code.code} has no license items.`) };

  const charge = { deviceUuid: req.device.uuid, deviceName: req.device.name ?? null, instances: req.instances, domain: requestDomain(ctx.source.origin, req.validation?.domain) };
  let furthest: { stage: number; refusal: Refusal } | null = null;
  for (const item of items) {
    const misfit = checkItemFit(item, req, now);
    const result = misfit ? refuse(misfit.code, misfitMessage(misfit.code, item, req)) : chargeItem(ctx.store, item, charge, now);
    if (!isRefusal(result)) {
      // The device's day through this code already began (a grant, or a report, which needs one):
      // its grant exists and was recorded today, so the grant is written at most once a day.
      const today = ctx.store.rollups.deviceDay(item.rowId, code.id, req.device.uuid, { firstAt: now, lastAt: now, authorizations: 1, reports: 0, units: 0 });
      if (!today.seenThroughCode) ctx.store.touchGrant(code.id, item.rowId, req.device.uuid, now);
      return { granted: true, license: grantOf(code, item, req.instances, result.validUntil) };
    }
    const stage = misfit ? misfit.stage : CAPACITY_STAGE;
    if (!furthest || stage > furthest.stage) furthest = { stage, refusal: result };
  }
  return { granted: false, refusal: furthest!.refusal };
}

/** Each cached item list in the default order, sorted once (the store keeps a list until the catalog changes). */
const inDefaultOrder = new WeakMap<readonly ApiItem[], readonly ApiItem[]>();

function itemsInOrder(ctx: ApiContext, code: ApiCode): readonly ApiItem[] {
  const items = ctx.store.codeItems(code.id);
  if (code.customOrder) return items;
  let sorted = inDefaultOrder.get(items);
  if (!sorted) inDefaultOrder.set(items, (sorted = [...items].sort((a, b) => compareByDefaultOrder({ ...a, expiresAt: new Date(a.expiresAt) }, { ...b, expiresAt: new Date(b.expiresAt) }))));
  return sorted;
}

export function grantOf(code: ApiCode, item: ApiItem, instances: number, validUntil: number): LicenseGrant {
  return {
    handshakeCode: code.code,
    itemId: item.itemId,
    chargeWay: item.chargeWay,
    product: item.product,
    modules: item.modules,
    instances: item.chargeWay === "concurrent-instance" ? instances : 1,
    itemExpiresAt: isoTime(item.expiresAt),
    validUntil: isoTime(validUntil),
    reportIntervalSeconds: REPORT_INTERVAL_SECONDS,
    handshakeUpdatedAt: isoTime(code.updatedAt),
  };
}

function misfitMessage(code: number, item: ApiItem, req: AuthorizeRequest): string {
  switch (code) {
    case 106: return `No item of this code is for product ${req.product}.`;
    case 107: return `No item of this code is for version ${req.version} of ${req.product}.`;
    case 108: return `No item of this code allows the ${req.deploymentType} deployment type.`;
    case 109: return `No item of this code is for the ${req.edition} edition.`;
    case 104: return `No item of this code covers the modules ${(req.modules ?? []).join(", ")}.`;
    case 115: return `No item of this code is charged per ${req.chargeWay}.`;
    case 112: return `Item ${item.itemId} starts on ${isoTime(item.startsAt).slice(0, 10)}.`;
    case 113: return `Item ${item.itemId} was revoked.`;
    case 111: return `Item ${item.itemId} expired on ${isoTime(item.expiresAt).slice(0, 10)} (grace included).`;
    case 130: return `Item ${item.itemId} allows at most ${item.quantity} instances; ${req.instances} were asked for.`;
    default: return "No item of this code fits.";
  }
}
