import { and, eq } from "drizzle-orm";
import { handshakeCodes } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { AppError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { findCodeRow } from "./code-rows";
import { HandshakeCodeRef } from "./schemas";

/**
 * Makes a code its organization's default (used when a client names only the organization),
 * taking the mark from the previous default in the same transaction: there is exactly one.
 * Throws NOT_FOUND, or CONFLICT for a disabled code (enable it first).
 */
export function makeDefaultHandshakeCode(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: HandshakeCodeRef): { changed: boolean; previous: string | null } {
  const input = parseInput(HandshakeCodeRef, raw);
  return transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const row = findCodeRow(tx, input.code);
    if (row.isDefault) return { changed: false, previous: row.code };
    if (!row.enabled) throw new AppError("CONFLICT", `${row.code} is disabled: enable it before making it the default of organization ${row.organizationId}.`);
    const at = ctx.clock.now();
    const previous = tx.select().from(handshakeCodes).where(and(eq(handshakeCodes.organizationId, row.organizationId), eq(handshakeCodes.isDefault, true))).get();
    // The old default first: the partial unique index allows one default per organization.
    if (previous) tx.update(handshakeCodes).set({ isDefault: false, updatedAt: at }).where(eq(handshakeCodes.id, previous.id)).run();
    tx.update(handshakeCodes).set({ isDefault: true, updatedAt: at }).where(eq(handshakeCodes.id, row.id)).run();
    recordAuditEvent(tx, at, ctx.actor, "handshake-code.default-changed", { organizationId: row.organizationId, code: row.code, previous: previous?.code ?? null });
    return { changed: true, previous: previous?.code ?? null };
  });
}
