import { slotOf } from "../../domain/slots";
import type { ApiContext } from "./context";
import type { ReleaseRequest } from "./schemas";

/**
 * A clean shutdown (PROTOCOL.md, "POST /api/v1/release"): frees the device's concurrent seat on
 * the item from the current slot on. Unknown codes, items or seats are not an error; other
 * charge ways are not affected (they hold no seats).
 */
export function release(ctx: ApiContext, req: ReleaseRequest): Promise<{ released: number }> {
  const now = ctx.clock.now().getTime();
  return ctx.atomically(() => {
    const code = ctx.store.codeByName(req.handshakeCode);
    const item = code && ctx.store.itemOfCode(code.id, req.itemId);
    if (!item || !ctx.store.hasGrant(code.id, item.rowId, req.device.uuid)) return { released: 0 };
    return { released: ctx.store.releaseSeats(item.rowId, req.device.uuid, slotOf(now)) };
  });
}
