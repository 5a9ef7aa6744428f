import { releaseBlocked, type DeviceView } from "../../domain/device";
import type { ServiceContext } from "../context";

/** The devices of one item, or of every item of one code (those the code granted), newest contact first. */
export function listDevices(ctx: Pick<ServiceContext, "db" | "clock">, input: { itemRowId?: number; codeId?: number }): DeviceView[] {
  const now = ctx.clock.now().getTime();
  const rows = ctx.db.$client
    .query<Record<string, number | string | null>, [number]>(
      `SELECT d.item_row_id AS itemRowId, i.item_id AS itemId, i.charge_way AS chargeWay, d.device_uuid AS deviceUuid,
              d.device_name AS name, d.first_seen_at AS firstSeenAt, d.last_seen_at AS lastSeenAt,
              d.active_until AS activeUntil, d.released_at AS releasedAt
         FROM item_devices d JOIN license_items i ON i.id = d.item_row_id
        WHERE ${input.codeId !== undefined ? "EXISTS (SELECT 1 FROM grants g WHERE g.code_id = ?1 AND g.item_row_id = d.item_row_id AND g.device_uuid = d.device_uuid)" : "d.item_row_id = ?1"}
        ORDER BY d.last_seen_at DESC, d.device_uuid`,
    )
    .all(input.codeId ?? input.itemRowId ?? -1);
  return rows.map((r) => {
    const d = { chargeWay: r.chargeWay as string, lastSeenAt: r.lastSeenAt as number, activeUntil: r.activeUntil as number };
    return {
      itemRowId: r.itemRowId as number,
      itemId: r.itemId as string,
      chargeWay: d.chargeWay,
      deviceUuid: r.deviceUuid as string,
      name: (r.name as string | null) ?? null,
      firstSeenAt: new Date(r.firstSeenAt as number),
      lastSeenAt: new Date(d.lastSeenAt),
      activeUntil: new Date(d.activeUntil),
      releasedAt: r.releasedAt === null ? null : new Date(r.releasedAt as number),
      active: d.activeUntil > now,
      releaseBlocked: releaseBlocked(d, now),
    };
  });
}
