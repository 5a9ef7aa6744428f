import { refuse, type Refusal } from "../../domain/api-errors";
import { slotOf } from "../../domain/slots";
import type { ApiContext } from "./context";
import { isRefusal, resolveCode } from "./resolve-code";
import type { ReleaseRequest } from "./schemas";

export type ReleaseOutcome = { ok: true; released: number } | { ok: false; refusal: Refusal };

/**
 * A clean shutdown (PROTOCOL.md, "POST /api/v1/release"): frees the device's concurrent seat on
 * the item from the current slot on. Checks 100, 101 (unknown or disabled code) and 102 (session
 * password), as report does; unknown items or seats are not an error, and other charge ways are
 * not affected (they hold no seats).
 */
export function release(ctx: ApiContext, req: ReleaseRequest): Promise<ReleaseOutcome> {
  const now = ctx.clock.now().getTime();
  const notReady = ctx.notReady();
  if (notReady) return Promise.resolve({ ok: false, refusal: refuse(100, notReady) });
  return ctx.atomically((): ReleaseOutcome => {
    const code = resolveCode(ctx, req, now, { validate: false });
    if (isRefusal(code)) return { ok: false, refusal: code };
    const item = ctx.store.itemOfCode(code.id, req.itemId);
    if (!item || !ctx.store.hasGrant(code.id, item.rowId, req.device.uuid)) return { ok: true, released: 0 };
    return { ok: true, released: ctx.store.releaseSeats(item.rowId, req.device.uuid, slotOf(now)) };
  });
}
