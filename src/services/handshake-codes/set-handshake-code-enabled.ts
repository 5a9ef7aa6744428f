import { eq } from "drizzle-orm";
import { handshakeCodes } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { findCodeRow } from "./code-rows";
import { SetHandshakeCodeEnabledInput } from "./schemas";

/**
 * Enables or disables a code. A disabled code is refused to clients (code 101) and, as an
 * organization's default, no longer serves requests that name only the organization (121).
 * Its items, devices and statistics stay. Throws NOT_FOUND.
 */
export function setHandshakeCodeEnabled(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: SetHandshakeCodeEnabledInput): { changed: boolean } {
  const input = parseInput(SetHandshakeCodeEnabledInput, raw);
  return transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const row = findCodeRow(tx, input.code);
    if (row.enabled === input.enabled) return { changed: false };
    const at = ctx.clock.now();
    tx.update(handshakeCodes).set({ enabled: input.enabled, updatedAt: at }).where(eq(handshakeCodes.id, row.id)).run();
    recordAuditEvent(tx, at, ctx.actor, input.enabled ? "handshake-code.enabled" : "handshake-code.disabled", { code: row.code, isDefault: row.isDefault });
    return { changed: true };
  });
}
