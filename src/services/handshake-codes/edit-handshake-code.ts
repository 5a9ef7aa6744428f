import { eq } from "drizzle-orm";
import { handshakeCodes } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { validationError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import { parseInput } from "../parse-input";
import { checkChosenItems, findCodeRow, inDefaultOrder, itemIdsOf, writeLinks } from "./code-rows";
import { codeItemsInOrder } from "./code-items";
import type { CodeWriter } from "./context";
import type { HandshakeCodeRow } from "./ensure-handshake-code";
import { EditHandshakeCodeInput } from "./schemas";
import { sealSessionPassword } from "./session-password";

/**
 * Changes a code's name, items, session password (keep, set or remove) and validation fields;
 * the code itself (organization and suffix) never changes. Items the code keeps stay in their
 * place in a custom order; new ones go after them. Items already linked may stay after they
 * expire. Throws NOT_FOUND, or VALIDATION naming each field at fault.
 */
export function editHandshakeCode(ctx: CodeWriter, raw: EditHandshakeCodeInput): HandshakeCodeRow {
  const input = parseInput(EditHandshakeCodeInput, raw);
  return transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const at = ctx.clock.now();
    const row = findCodeRow(tx, input.code);
    const current = codeItemsInOrder(tx, row.id);
    const errors: Record<string, string> = {};
    checkChosenItems(tx, { organizationId: row.organizationId, itemRowIds: input.itemRowIds, alreadyLinked: new Set(current.map((i) => i.id)), now: at }, errors);
    if (input.sessionPasswordAction === "set" && !input.sessionPassword) errors.sessionPassword = "Type the new session password, or choose to keep the current one.";
    if (Object.keys(errors).length > 0) throw validationError(errors);

    const chosen = new Set(input.itemRowIds);
    const kept = current.filter((i) => chosen.has(i.id)).map((i) => i.id);
    // New items follow the kept ones, among themselves in the default order.
    const order = [...kept, ...inDefaultOrder(tx, [...chosen].filter((id) => !kept.includes(id)))];
    const password =
      input.sessionPasswordAction === "set"
        ? sealSessionPassword(ctx.instanceKey, input.sessionPassword)
        : input.sessionPasswordAction === "remove"
          ? { sessionPasswordEnc: null, sessionPasswordMac: null }
          : {};
    const [updated] = tx
      .update(handshakeCodes)
      .set({
        name: input.name || row.suffix,
        ...password,
        validationDomains: input.domains,
        validationAppIds: input.appIds,
        validationProcessNames: input.processNames,
        updatedAt: at,
      })
      .where(eq(handshakeCodes.id, row.id))
      .returning()
      .all();
    writeLinks(tx, row.id, order);
    recordAuditEvent(tx, at, ctx.actor, "handshake-code.edited", {
      code: row.code,
      name: updated!.name,
      itemIds: itemIdsOf(tx, order),
      sessionPassword: input.sessionPasswordAction === "keep" ? (row.sessionPasswordMac ? "unchanged" : "none") : input.sessionPasswordAction === "set" ? "changed" : "removed",
      validation: { domains: input.domains, appIds: input.appIds, processNames: input.processNames },
    });
    return updated!;
  });
}
