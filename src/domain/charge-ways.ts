import type { ApiErrorCode } from "./api-errors";
import { DAY_MS, SLOT_MS, slotOf } from "./slots";

/**
 * The arithmetic of PROTOCOL.md, "Charge-way arithmetic" and "validUntil" (q = quantity,
 * round = half up), and the order in which an item is checked against a request.
 */
export const CHARGE_WAY_NAMES = ["device", "concurrent-device", "concurrent-instance", "scan", "page", "domain"] as const;
export type ChargeWayName = (typeof CHARGE_WAY_NAMES)[number];

/**
 * round(q / divisor), half up, in exact integer steps: `Math.floor(q * 0.1 + 0.5)` is off by one
 * for some quantities above 2^52, where the product's rounding crosses a half.
 */
const shareHalfUp = (q: number, divisor: number) => Math.floor(q / divisor) + (q % divisor >= divisor / 2 ? 1 : 0);

/** `device`: new devices are granted while active devices < q + round(q × 10 %). */
export const deviceLimit = (q: number) => q + shareHalfUp(q, 10);
/** `scan`, `page`: authorize is refused once consumed ≥ q + round(q × 5 %). */
export const consumptionCap = (q: number) => q + shareHalfUp(q, 20);
/** Concurrent items: extra device-slots (or instance-slots) per license year. */
export const yearlyAllowance = (q: number) => 1000 * q;
/** `domain`: a domain stays counted this long after its last contact. */
export const DOMAIN_WINDOW_DAYS = 365;
export const REPORT_INTERVAL_SECONDS = 180;

/** License years count from activation: 0 for the first 365 days. */
export const licenseYear = (activatedAt: number, now: number) => Math.max(0, Math.floor((now - activatedAt) / (365 * DAY_MS)));

/** How long a client may work from its cache: never past expiry + grace (PROTOCOL.md, "validUntil"). */
export function validUntil(chargeWay: ChargeWayName, input: { now: number; servesUntil: number; deviceActiveUntil?: number }): number {
  const own =
    chargeWay === "device"
      ? input.deviceActiveUntil!
      : chargeWay === "scan" || chargeWay === "page"
        ? input.now + 3 * DAY_MS
        : chargeWay === "domain"
          ? input.now + 7 * DAY_MS
          : slotOf(input.now) + 2 * SLOT_MS; // the end of the next slot
  return Math.min(own, input.servesUntil);
}

export interface CheckableItem {
  product: string;
  version: number;
  edition: string;
  deploymentTypes: readonly string[];
  /** Empty = the whole product: any module fits. */
  modules: readonly string[];
  chargeWay: ChargeWayName;
  quantity: number;
  startsAt: number;
  expiresAt: number;
  graceDays: number;
  revokedAt: number | null;
}

export interface ItemAsk {
  product: string;
  version: number;
  edition: string;
  deploymentType: string;
  chargeWay: ChargeWayName | "auto";
  modules?: readonly string[];
  instances: number;
}

/**
 * The checks an item passes before its capacity is looked at, in PROTOCOL.md's order (modules,
 * which the table leaves unplaced, right after edition: like it, a question of fit). Returns
 * null when the item passes them all, else how far it got and the code of the first failure.
 */
export function checkItemFit(item: CheckableItem, ask: ItemAsk, now: number): { stage: number; code: ApiErrorCode } | null {
  const checks: [boolean, ApiErrorCode][] = [
    [item.product === ask.product, 106],
    [item.version === ask.version, 107],
    [item.deploymentTypes.includes(ask.deploymentType), 108],
    [item.edition === ask.edition, 109],
    [!ask.modules || item.modules.length === 0 || ask.modules.every((m) => item.modules.includes(m)), 104],
    [ask.chargeWay === "auto" || ask.chargeWay === item.chargeWay, 115],
    [now >= item.startsAt, 112],
    [item.revokedAt === null, 113],
    [now < item.expiresAt + item.graceDays * DAY_MS, 111],
    [item.chargeWay !== "concurrent-instance" || ask.instances <= item.quantity, 130],
  ];
  const failed = checks.findIndex(([ok]) => !ok);
  return failed === -1 ? null : { stage: failed, code: checks[failed]![1] };
}

/** The capacity check comes after every fit check: an item refused for capacity got furthest. */
export const CAPACITY_STAGE = 10;
