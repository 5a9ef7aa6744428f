import type { LicenseItemView } from "./license-item";

/** How much of its quantity a serving item uses now (Home's usage bars). */
export interface ItemUse {
  item: LicenseItemView;
  /** The item's Used figure as a share of its quantity, floored (License Items shows the same). */
  percent: number;
}

/** An item and the whole days until it expires (negative: expired, in its grace period). */
export interface ItemExpiry {
  item: LicenseItemView;
  daysLeft: number;
}

/** Home's usage dashboard: what the serving items use, and what clients asked in the last 24 hours. */
export interface UsageDashboard {
  /** Every serving item (active, expiring soon, in grace), by item id. */
  items: ItemUse[];
  /** Devices holding a seat now: the Used figures of device and concurrent-device items summed. */
  devicesActive: number;
  /** Authorizations in the 480 slots (24 hours) up to now, over every code. */
  last24h: { granted: number; refused: number };
  /** At most 5 items with some use, highest share first. */
  nearestLimit: ItemUse[];
  /** At most 5 serving items, soonest expiry first. */
  nearestExpiry: ItemExpiry[];
}

/** How many items Home lists as nearest their limit and nearest their expiry. */
export const DASHBOARD_TOP = 5;
