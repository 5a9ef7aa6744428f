import { releaseBlocked, type DeviceView } from "../../domain/device";
import { effectiveOrder, type CursorKey, type DeviceListQuery, type Page } from "../../domain/device-list";
import type { ServiceContext } from "../context";
import { fetchBeyond, keysetPage, prefixRange, type KeysetQuery } from "./keyset";

/** The devices of one item, or those one code granted (on any of its items). */
export type DeviceScope = { itemRowId: number } | { codeId: number };

interface DeviceRow {
  itemRowId: number;
  itemId: string;
  chargeWay: string;
  deviceUuid: string;
  name: string | null;
  firstSeenAt: number;
  lastSeenAt: number;
  activeUntil: number;
  releasedAt: number | null;
}

const SELECT = `SELECT d.item_row_id AS itemRowId, i.item_id AS itemId, i.charge_way AS chargeWay, d.device_uuid AS deviceUuid,
       d.device_name AS name, d.first_seen_at AS firstSeenAt, d.last_seen_at AS lastSeenAt,
       d.active_until AS activeUntil, d.released_at AS releasedAt
  FROM item_devices d JOIN license_items i ON i.id = d.item_row_id`;

/**
 * One page of devices (DESIGN.md, "Devices"), newest contact first unless `query` says otherwise;
 * a search lists by the searched column. Each query walks an index of item_devices in the page's
 * order — (item, last_seen_at, device_uuid), the primary key (item, device_uuid) or (item,
 * device_name, device_uuid) — and stops after a page, so the cost is O(page), not O(devices).
 * A code's devices are read per item of the code (a few) and merged; the grant is checked by its
 * primary key, so the walk is O(page) when the item serves that code alone (the usual case), and
 * O(page × devices of the item ÷ devices this code granted on it) when codes share an item.
 */
export function listDevices(ctx: Pick<ServiceContext, "db" | "clock">, input: { scope: DeviceScope; query: DeviceListQuery }): Page<DeviceView> {
  const { db } = ctx;
  const now = ctx.clock.now().getTime();
  const order = effectiveOrder(input.query);
  const key = order === "id" ? ["d.device_uuid"] : order === "name" ? ["d.device_name", "d.device_uuid"] : ["d.last_seen_at", "d.device_uuid"];
  const keyOf = (r: DeviceRow): CursorKey => (order === "id" ? [r.deviceUuid] : order === "name" ? [r.name ?? "", r.deviceUuid] : [r.lastSeenAt, r.deviceUuid]);
  const descending = order === "newest";
  // While searching, the order is the searched column's (effectiveOrder), so key[0] is that column.
  const prefix = input.query.q ? prefixRange(input.query.q) : undefined;
  const perItem = (itemRowId: number, codeId?: number): KeysetQuery => ({
    select: SELECT,
    where: ["d.item_row_id = ?", ...(codeId === undefined ? [] : ["EXISTS (SELECT 1 FROM grants g WHERE g.code_id = ? AND g.item_row_id = d.item_row_id AND g.device_uuid = d.device_uuid)"])],
    params: [itemRowId, ...(codeId === undefined ? [] : [codeId])],
    key,
    descending,
    prefix,
  });
  const queries = "itemRowId" in input.scope ? [perItem(input.scope.itemRowId)] : grantedItems(ctx, input.scope.codeId).map((item) => perItem(item, (input.scope as { codeId: number }).codeId));
  if (queries.length === 0) return { rows: [], first: 1, previous: null, next: null };
  const page = keysetPage<DeviceRow>((from, forward, limit) => fetchBeyond(db.$client, queries, keyOf, descending, from, forward, limit), keyOf, input.query);
  return { ...page, rows: page.rows.map((r) => toView(r, now)) };
}

/**
 * The items a code granted devices on, in row order: one probe of the grants primary key
 * (code_id, item_row_id, …) per item, so it costs O(items · log grants), not O(grants).
 */
export function grantedItems({ db }: Pick<ServiceContext, "db">, codeId: number): number[] {
  const next = db.$client.query<{ item: number }, [number, number]>("SELECT item_row_id AS item FROM grants WHERE code_id = ? AND item_row_id > ? ORDER BY item_row_id LIMIT 1");
  const items: number[] = [];
  for (let row = next.get(codeId, 0); row; row = next.get(codeId, row.item)) items.push(row.item);
  return items;
}

function toView(r: DeviceRow, now: number): DeviceView {
  return {
    itemRowId: r.itemRowId,
    itemId: r.itemId,
    chargeWay: r.chargeWay,
    deviceUuid: r.deviceUuid,
    name: r.name,
    firstSeenAt: new Date(r.firstSeenAt),
    lastSeenAt: new Date(r.lastSeenAt),
    activeUntil: new Date(r.activeUntil),
    releasedAt: r.releasedAt === null ? null : new Date(r.releasedAt),
    active: r.activeUntil > now,
    releaseBlocked: releaseBlocked(r, now),
  };
}
