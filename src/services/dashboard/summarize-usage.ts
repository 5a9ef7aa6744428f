import { DASHBOARD_TOP, type ItemUse, type UsageDashboard } from "../../domain/dashboard";
import { usedOfTotal } from "../../domain/license-item";
import { DAY_MS, SLOT_MS, slotOf } from "../../domain/slots";
import type { ServiceContext } from "../context";
import { listItems } from "../items";

/** Item charge ways whose Used figure counts devices. */
const DEVICE_WAYS = new Set(["device", "concurrent-device"]);

/**
 * Home's usage dashboard at the clock's now: per serving item its share of the quantity (the
 * License Items Used figure), devices active now, authorizations of the last 24 hours, and the
 * items nearest their limit and their expiry. Costs O(items + codes × 480 slots): item usage
 * comes from the counters usedByItem reads, authorizations from authorization_counts per code.
 */
export function summarizeUsage(ctx: Pick<ServiceContext, "db" | "clock">): UsageDashboard {
  const now = ctx.clock.now();
  const serving = listItems(ctx, { now, sort: "itemId" }).filter((i) => i.status === "active" || i.status === "expiring-soon" || i.status === "in-grace");
  const items: ItemUse[] = serving.map((item) => ({ item, percent: usedOfTotal(item.used, item.quantity).percent }));
  return {
    items,
    devicesActive: serving.filter((i) => DEVICE_WAYS.has(i.chargeWay)).reduce((sum, i) => sum + i.used, 0),
    last24h: authorizationsSince(ctx, slotOf(now.getTime()) - (DAY_MS / SLOT_MS - 1) * SLOT_MS),
    nearestLimit: items
      .filter((u) => u.item.used > 0)
      .sort((a, b) => b.percent - a.percent || b.item.used - a.item.used || a.item.itemId.localeCompare(b.item.itemId))
      .slice(0, DASHBOARD_TOP),
    nearestExpiry: [...serving]
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime() || a.itemId.localeCompare(b.itemId))
      .slice(0, DASHBOARD_TOP)
      .map((item) => ({ item, daysLeft: Math.ceil((item.expiresAt.getTime() - now.getTime()) / DAY_MS) })),
  };
}

/**
 * Granted and refused authorizations in the slots from `since` on, over every code (unknown codes
 * share one counter). Walks the primary key (code, slot): one probe per code to find the next
 * code, then that code's slots since `since`, so it costs O(codes × slots), not O(history).
 */
export function authorizationsSince({ db }: Pick<ServiceContext, "db">, since: number): { granted: number; refused: number } {
  const nextCode = db.$client.query<{ code: string }, [string]>("SELECT code FROM authorization_counts WHERE code > ? ORDER BY code LIMIT 1");
  const sums = db.$client.query<{ granted: number | null; refused: number | null }, [string, number]>(
    "SELECT sum(granted) AS granted, sum(refused) AS refused FROM authorization_counts WHERE code = ? AND slot >= ?",
  );
  const total = { granted: 0, refused: 0 };
  const firstCode = db.$client.query<{ code: string }, []>("SELECT code FROM authorization_counts ORDER BY code LIMIT 1");
  for (let row = firstCode.get(); row; row = nextCode.get(row.code)) {
    const s = sums.get(row.code, since)!;
    total.granted += s.granted ?? 0;
    total.refused += s.refused ?? 0;
  }
  return total;
}
