import * as v from "valibot";
import { transaction } from "../../db/transaction";
import { releaseBlocked } from "../../domain/device";
import { AppError } from "../../domain/errors";
import { slotOf } from "../../domain/slots";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { UsageStore } from "../usage/usage-store";

export const ReleaseDeviceInput = v.object({
  itemRowId: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  deviceUuid: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,128}$/, "is not a device id")),
});
export type ReleaseDeviceInput = v.InferInput<typeof ReleaseDeviceInput>;

/**
 * Frees a device's seat on an item (DESIGN.md, "Devices"): a concurrent seat at any time (from
 * the current slot on), a `device` seat once the device has been silent for 7 days. Audited as
 * `device.released`. Throws NOT_FOUND for an unknown device, CONFLICT when it may not be released yet.
 */
export function releaseDevice(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: ReleaseDeviceInput): void {
  const input = parseInput(ReleaseDeviceInput, raw);
  transaction(ctx.db, (tx) => {
    const now = ctx.clock.now().getTime();
    const row = tx.$client
      .query<{ chargeWay: string; itemId: string; lastSeenAt: number; activeUntil: number }, [number, string]>(
        `SELECT i.charge_way AS chargeWay, i.item_id AS itemId, d.last_seen_at AS lastSeenAt, d.active_until AS activeUntil
           FROM item_devices d JOIN license_items i ON i.id = d.item_row_id WHERE d.item_row_id = ? AND d.device_uuid = ?`,
      )
      .get(input.itemRowId, input.deviceUuid);
    if (!row) throw new AppError("NOT_FOUND", "There is no such device on this item. Reload the page.");
    const blocked = releaseBlocked(row, now);
    if (blocked) throw new AppError("CONFLICT", `Device ${input.deviceUuid} ${blocked}.`);
    new UsageStore(tx).releaseDevice(input.itemRowId, input.deviceUuid, now, slotOf(now)); // the capacity counters with the rows
    recordAuditEvent(tx, new Date(now), ctx.actor, "device.released", { itemId: row.itemId, deviceUuid: input.deviceUuid, chargeWay: row.chargeWay });
  });
}
