import type { Db } from "../../db/client";
import { DOMAIN_WINDOW_DAYS } from "../../domain/charge-ways";
import { DAY_MS, slotOf } from "../../domain/slots";

/**
 * What each item has used at `now`, by row id, read from the counters the client API keeps in the
 * same transactions as its rows: scan and page items the units consumed (item_counters); device
 * items the devices active now and domain items the domains seen within the domain window
 * (item_capacity, less the counted rows that lapsed but were not expired yet — a backlog that
 * the capacity checks and housekeeping keep short, read through the (item, counted, expiry)
 * index); concurrent items the devices, or instances, holding a seat in the current slot
 * (slot_occupancy). So the cost follows the number of items, not of devices or of history.
 * Items with no usage are absent (used 0).
 */
export function usedByItem(db: Db, now: Date): Map<number, number> {
  const at = now.getTime();
  const rows = db.$client
    .query<{ rowId: number; n: number }, [number, number, number]>(
      `SELECT i.id AS rowId, c.consumed AS n FROM license_items i JOIN item_counters c ON c.item_row_id = i.id
        WHERE i.charge_way IN ('scan', 'page')
       UNION ALL
       SELECT i.id, k.active_devices - (SELECT count(*) FROM item_devices d WHERE d.item_row_id = i.id AND d.counted = 1 AND d.active_until <= ?1)
         FROM license_items i JOIN item_capacity k ON k.item_row_id = i.id WHERE i.charge_way = 'device'
       UNION ALL
       SELECT i.id, k.active_domains - (SELECT count(*) FROM item_domains d WHERE d.item_row_id = i.id AND d.counted = 1 AND d.last_seen_at <= ?2)
         FROM license_items i JOIN item_capacity k ON k.item_row_id = i.id WHERE i.charge_way = 'domain'
       UNION ALL
       SELECT i.id, CASE i.charge_way WHEN 'concurrent-instance' THEN o.instances ELSE o.devices END
         FROM license_items i JOIN slot_occupancy o ON o.item_row_id = i.id AND o.slot = ?3
        WHERE i.charge_way IN ('concurrent-device', 'concurrent-instance')`,
    )
    .all(at, at - DOMAIN_WINDOW_DAYS * DAY_MS, slotOf(at));
  return new Map(rows.filter((r) => r.n > 0).map((r) => [r.rowId, r.n]));
}
