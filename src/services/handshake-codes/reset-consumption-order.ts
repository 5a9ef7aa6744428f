import { eq } from "drizzle-orm";
import { handshakeCodes } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { findCodeRow, itemIdsOf, writeLinks } from "./code-rows";
import { codeItemsInOrder } from "./code-items";
import { HandshakeCodeRef } from "./schemas";

/**
 * Puts a code back on the default consumption order (nearest expiry first, then the narrower
 * item, then item id), which follows the items' dates from then on. Throws NOT_FOUND.
 */
export function resetConsumptionOrder(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: HandshakeCodeRef): { changed: boolean } {
  const input = parseInput(HandshakeCodeRef, raw);
  return transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const row = findCodeRow(tx, input.code);
    if (!row.customOrder) return { changed: false };
    const at = ctx.clock.now();
    tx.update(handshakeCodes).set({ customOrder: false, updatedAt: at }).where(eq(handshakeCodes.id, row.id)).run();
    // Positions follow the default order again, so that a later move starts from what is in effect.
    const order = codeItemsInOrder(tx, row.id).map((i) => i.id);
    writeLinks(tx, row.id, order);
    recordAuditEvent(tx, at, ctx.actor, "handshake-code.order-reset", { code: row.code, itemIds: itemIdsOf(tx, order) });
    return { changed: true };
  });
}
