import { ITEM_STATUSES, type ItemStatus } from "../../domain/item-status";
import type { ItemSummary } from "../../domain/license-item";
import type { ServiceContext } from "../context";
import { listItems } from "./list-items";

/** The license summary Home shows: items by status, nearest expiry, what needs attention. */
export function summarizeItems(ctx: Pick<ServiceContext, "db" | "clock">): ItemSummary {
  const items = listItems(ctx, { now: ctx.clock.now(), showExpired: true, showRevoked: true });
  const byStatus = Object.fromEntries(ITEM_STATUSES.map((s) => [s, 0])) as Record<ItemStatus, number>;
  for (const item of items) byStatus[item.status]++;
  const serving = items.filter((i) => i.status === "active" || i.status === "expiring-soon" || i.status === "in-grace");
  return {
    total: items.length,
    byStatus,
    nearestExpiry: serving.sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())[0] ?? null,
    expiringSoon: serving.filter((i) => i.status !== "active"),
    demoIssuer: items.some((i) => i.demoIssuer),
  };
}
