import { DAY_MS } from "./slots";

/**
 * Where a license item stands at a moment, as License Items and Home show it. Revocation wins
 * over everything; dates decide the rest. An item serves clients while active, expiring soon or
 * in grace.
 */
export const ITEM_STATUSES = ["active", "expiring-soon", "in-grace", "expired", "revoked", "not-yet-valid"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const EXPIRING_SOON_DAYS = 30;

export interface DatedItem {
  startsAt: Date;
  expiresAt: Date;
  graceDays: number;
  revokedAt: Date | null;
}

export function itemStatus(item: DatedItem, now: Date): ItemStatus {
  const t = now.getTime();
  if (item.revokedAt) return "revoked";
  if (t < item.startsAt.getTime()) return "not-yet-valid";
  const expires = item.expiresAt.getTime();
  if (t >= expires + item.graceDays * DAY_MS) return "expired";
  if (t >= expires) return "in-grace";
  if (expires - t <= EXPIRING_SOON_DAYS * DAY_MS) return "expiring-soon";
  return "active";
}

/** The moment after which an item no longer serves anyone: expiry plus grace. */
export function servesUntil(item: Pick<DatedItem, "expiresAt" | "graceDays">): Date {
  return new Date(item.expiresAt.getTime() + item.graceDays * DAY_MS);
}

export const STATUS_LABELS: Record<ItemStatus, string> = {
  active: "Active",
  "expiring-soon": "Expiring soon",
  "in-grace": "In grace",
  expired: "Expired",
  revoked: "Revoked",
  "not-yet-valid": "Not yet valid",
};
