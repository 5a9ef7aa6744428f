import { and, count, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { CHARGE_WAYS, concurrentSeats, itemCounters, itemDevices, itemDomains, licenseItems } from "../../db/schema";
import { DOMAIN_WINDOW_DAYS } from "../../domain/charge-ways";
import { DAY_MS, slotOf } from "../../domain/slots";

type ChargeWay = (typeof CHARGE_WAYS)[number];

/**
 * What each item has used at `now`, by row id, read from the counters the client API keeps: scan
 * and page items the units consumed; device items the devices active now (not lapsed, not
 * released); concurrent items the devices, or instances, holding a seat in the current slot;
 * domain items the domains seen within the domain window. One grouped query per kind, never one
 * per item, each driven by the items of that kind through the usage tables' (item, …) indexes, so
 * it costs the same for a week of history as for years. Items with no usage are absent (used 0).
 */
export function usedByItem(db: Db, now: Date): Map<number, number> {
  const at = now.getTime();
  const itemsCharged = (...ways: ChargeWay[]) => db.select({ id: licenseItems.id }).from(licenseItems).where(inArray(licenseItems.chargeWay, ways));
  const consumed = db
    .select({ rowId: itemCounters.itemRowId, n: itemCounters.consumed })
    .from(itemCounters)
    .where(inArray(itemCounters.itemRowId, itemsCharged("scan", "page")))
    .all();
  const devices = db
    .select({ rowId: itemDevices.itemRowId, n: count() })
    .from(itemDevices)
    .where(and(inArray(itemDevices.itemRowId, itemsCharged("device")), eq(itemDevices.counted, true), gt(itemDevices.activeUntil, at), isNull(itemDevices.releasedAt)))
    .groupBy(itemDevices.itemRowId)
    .all();
  const inThisSlot = eq(concurrentSeats.slot, slotOf(at));
  const seats = db
    .select({ rowId: concurrentSeats.itemRowId, n: count() })
    .from(concurrentSeats)
    .where(and(inArray(concurrentSeats.itemRowId, itemsCharged("concurrent-device")), inThisSlot))
    .groupBy(concurrentSeats.itemRowId)
    .all();
  const instances = db
    .select({ rowId: concurrentSeats.itemRowId, n: sql<number>`sum(${concurrentSeats.instances})`.mapWith(Number) })
    .from(concurrentSeats)
    .where(and(inArray(concurrentSeats.itemRowId, itemsCharged("concurrent-instance")), inThisSlot))
    .groupBy(concurrentSeats.itemRowId)
    .all();
  const domains = db
    .select({ rowId: itemDomains.itemRowId, n: count() })
    .from(itemDomains)
    .where(and(inArray(itemDomains.itemRowId, itemsCharged("domain")), eq(itemDomains.counted, true), gt(itemDomains.lastSeenAt, at - DOMAIN_WINDOW_DAYS * DAY_MS)))
    .groupBy(itemDomains.itemRowId)
    .all();
  return new Map([...consumed, ...devices, ...seats, ...instances, ...domains].map((r) => [r.rowId, r.n]));
}
