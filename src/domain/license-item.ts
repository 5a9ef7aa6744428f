import type { ItemStatus } from "./item-status";

/** A license item as the portal shows it (License Items, Home, the import preview). */
export interface LicenseItemView {
  rowId: number;
  itemId: string;
  description: string;
  product: string;
  version: number;
  edition: string;
  deploymentTypes: string[];
  chargeWay: string;
  quantity: number;
  windowDays: number | null;
  /** Used against the quantity now, in the charge way's unit: devices active, seats or instances in this slot, scans, pages, domains. */
  used: number;
  startsAt: Date;
  expiresAt: Date;
  graceDays: number;
  modules: string[];
  revokedAt: Date | null;
  status: ItemStatus;
  licenseId: string;
  licenseAlias: string;
  organizationId: string;
  licensee: string;
  issuerKid: string;
  demoIssuer: boolean;
  /** Handshake codes the item is linked to. */
  codes: string[];
}

/** The license summary Home shows. */
export interface ItemSummary {
  total: number;
  byStatus: Record<ItemStatus, number>;
  /** The serving item that expires first. */
  nearestExpiry: LicenseItemView | null;
  /** Serving items that need attention: expiring within 30 days, or in grace. */
  expiringSoon: LicenseItemView[];
  demoIssuer: boolean;
}

export const ITEM_SORT_KEYS = ["itemId", "description", "product", "chargeWay", "used", "startsAt", "expiresAt", "status"] as const;
export type ItemSortKey = (typeof ITEM_SORT_KEYS)[number];

/** "3 of 10 devices (30 %)": whole per cent, rounded down, so 99.9 % never reads as 100 %. */
export function usedOfTotal(used: number, total: number, unit = ""): { percent: number; text: string } {
  const percent = total > 0 ? Math.floor((used * 100) / total) : 0;
  return { percent, text: `${used.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}${unit ? ` ${unit}` : ""} (${percent} %)` };
}

export function compareItems(key: ItemSortKey, a: LicenseItemView, b: LicenseItemView): number {
  const x = a[key], y = b[key];
  if (x instanceof Date && y instanceof Date) return x.getTime() - y.getTime();
  if (typeof x === "number" && typeof y === "number") return x - y;
  return String(x).localeCompare(String(y), "en", { numeric: true });
}
