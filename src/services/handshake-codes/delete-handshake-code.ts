import { and, count, eq, ne } from "drizzle-orm";
import { grants, handshakeCodes, usageRecords } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { AppError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { findCodeRow } from "./code-rows";
import { HandshakeCodeRef } from "./schemas";

/**
 * Deletes a code that was never used. A code that has granted devices or has usage keeps its
 * history: CONFLICT, saying to disable it instead. An organization's default goes last: CONFLICT
 * while the organization has other codes (make one of them the default first). Throws NOT_FOUND.
 */
export function deleteHandshakeCode(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: HandshakeCodeRef): void {
  const input = parseInput(HandshakeCodeRef, raw);
  transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const row = findCodeRow(tx, input.code);
    const granted = tx.select({ id: grants.codeId }).from(grants).where(eq(grants.codeId, row.id)).limit(1).get();
    const used = tx.select({ id: usageRecords.codeId }).from(usageRecords).where(eq(usageRecords.codeId, row.id)).limit(1).get();
    if (granted || used) {
      throw new AppError("CONFLICT", `${row.code} has served clients, and deleting it would lose its usage history. Disable it instead: clients are then refused, and its statistics stay.`);
    }
    if (row.isDefault) {
      const other = tx.select({ code: handshakeCodes.code }).from(handshakeCodes).where(and(eq(handshakeCodes.organizationId, row.organizationId), ne(handshakeCodes.id, row.id))).get();
      if (other) throw new AppError("CONFLICT", `${row.code} is the default code of organization ${row.organizationId}. Make another code (such as ${other.code}) the default first, then delete this one.`);
    }
    tx.delete(handshakeCodes).where(eq(handshakeCodes.id, row.id)).run();
    recordAuditEvent(tx, ctx.clock.now(), ctx.actor, "handshake-code.deleted", { code: row.code, name: row.name, wasDefault: row.isDefault });
  });
}
