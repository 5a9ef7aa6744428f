import { and, eq } from "drizzle-orm";
import { handshakeCodes } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { validationError } from "../../domain/errors";
import { handshakeCode } from "../../domain/handshake-code";
import { recordAuditEvent } from "../audit";
import { parseInput } from "../parse-input";
import { checkChosenItems, inDefaultOrder, itemIdsOf, writeLinks } from "./code-rows";
import type { CodeWriter } from "./context";
import type { HandshakeCodeRow } from "./ensure-handshake-code";
import { CreateHandshakeCodeInput } from "./schemas";
import { sealSessionPassword } from "./session-password";

/**
 * Adds a handshake code `{organizationId}-{suffix}` (enabled) with the chosen items in the
 * default consumption order, an optional session password and validation fields; an
 * organization's first code becomes its default. Throws VALIDATION naming each field at fault
 * (suffix taken, no items, items of another organization or that cannot serve…).
 */
export function createHandshakeCode(ctx: CodeWriter, raw: CreateHandshakeCodeInput): HandshakeCodeRow {
  const input = parseInput(CreateHandshakeCodeInput, raw);
  return transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const at = ctx.clock.now();
    const errors: Record<string, string> = {};
    const organizationId = checkChosenItems(tx, { organizationId: input.organizationId || null, itemRowIds: input.itemRowIds, alreadyLinked: new Set(), now: at }, errors);
    const code = organizationId ? handshakeCode(organizationId, input.suffix) : null;
    if (code && tx.select({ id: handshakeCodes.id }).from(handshakeCodes).where(eq(handshakeCodes.code, code)).get()) {
      errors.suffix = `The code ${code} already exists. Choose another suffix, or edit that code.`;
    }
    if (Object.keys(errors).length > 0 || !organizationId || !code) throw validationError(errors);

    const hasDefault = tx.select({ id: handshakeCodes.id }).from(handshakeCodes).where(and(eq(handshakeCodes.organizationId, organizationId), eq(handshakeCodes.isDefault, true))).get();
    const [row] = tx
      .insert(handshakeCodes)
      .values({
        code,
        organizationId,
        suffix: input.suffix,
        name: input.name || input.suffix,
        isDefault: !hasDefault,
        enabled: true,
        ...(input.sessionPassword ? sealSessionPassword(ctx.instanceKey, input.sessionPassword) : {}),
        validationDomains: input.domains,
        validationAppIds: input.appIds,
        validationProcessNames: input.processNames,
        customOrder: false,
        createdAt: at,
        updatedAt: at,
      })
      .returning()
      .all();
    // Positions follow the default order, so that a custom order starts from what was in effect.
    const ordered = inDefaultOrder(tx, [...new Set(input.itemRowIds)]);
    writeLinks(tx, row!.id, ordered);
    recordAuditEvent(tx, at, ctx.actor, "handshake-code.created", {
      code,
      name: row!.name,
      isDefault: row!.isDefault,
      itemIds: itemIdsOf(tx, ordered),
      sessionPassword: input.sessionPassword ? "set" : "none",
      validation: { domains: input.domains, appIds: input.appIds, processNames: input.processNames },
    });
    return row!;
  });
}
