import { eq } from "drizzle-orm";
import { handshakeCodes } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { AppError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { findCodeRow, itemIdsOf, writeLinks } from "./code-rows";
import { codeItemsInOrder } from "./code-items";
import { MoveHandshakeCodeItemInput } from "./schemas";

/**
 * Moves one item of a code a place up or down in its consumption order (the first item that fits
 * and has capacity serves). From then on the code keeps this custom order, whatever the items'
 * dates, until it is reset. Moving the first item up (or the last down) changes nothing.
 * Throws NOT_FOUND for an unknown code or an item the code does not have.
 */
export function moveHandshakeCodeItem(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: MoveHandshakeCodeItemInput): { changed: boolean } {
  const input = parseInput(MoveHandshakeCodeItemInput, raw);
  return transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const row = findCodeRow(tx, input.code);
    const order = codeItemsInOrder(tx, row.id).map((i) => i.id);
    const from = order.indexOf(input.itemRowId);
    if (from < 0) throw new AppError("NOT_FOUND", `${row.code} has no such item any more. Reload the page.`);
    const to = input.direction === "up" ? from - 1 : from + 1;
    if (to < 0 || to >= order.length) return { changed: false };
    [order[from], order[to]] = [order[to]!, order[from]!];
    const at = ctx.clock.now();
    writeLinks(tx, row.id, order);
    tx.update(handshakeCodes).set({ customOrder: true, updatedAt: at }).where(eq(handshakeCodes.id, row.id)).run();
    recordAuditEvent(tx, at, ctx.actor, "handshake-code.order-changed", { code: row.code, itemIds: itemIdsOf(tx, order) });
    return { changed: true };
  });
}
