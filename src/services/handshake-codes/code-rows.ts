import { eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { handshakeCodeItems, handshakeCodes, licenseItems, licenses } from "../../db/schema";
import { AppError } from "../../domain/errors";
import { defaultOrder } from "../../domain/consumption-order";
import { isLinkable } from "../../domain/handshake-code";
import { itemStatus, STATUS_LABELS } from "../../domain/item-status";
import type { HandshakeCodeRow } from "./ensure-handshake-code";

// Shared by the verbs of this folder; not exported from its index.

/** The code's row; NOT_FOUND when it does not exist (any more). */
export function findCodeRow(db: Db, code: string): HandshakeCodeRow {
  const row = db.select().from(handshakeCodes).where(eq(handshakeCodes.code, code)).get();
  if (!row) throw new AppError("NOT_FOUND", `There is no handshake code ${code} (it may have just been deleted). Reload the page.`);
  return row;
}

/**
 * Checks the items chosen for a code of `organizationId` (or, when not given, of the items' one
 * organization): they exist, belong to that organization, and can serve clients — items already
 * linked may stay even when they have expired since. Adds messages to `errors.items` /
 * `errors.organizationId`; returns the organization.
 */
export function checkChosenItems(
  tx: Db,
  input: { organizationId: string | null; itemRowIds: number[]; alreadyLinked: ReadonlySet<number>; now: Date },
  errors: Record<string, string>,
): string | null {
  const rows = input.itemRowIds.length === 0 ? [] : tx
    .select({ item: licenseItems, organizationId: licenses.organizationId })
    .from(licenseItems)
    .innerJoin(licenses, eq(licenses.id, licenseItems.licenseRowId))
    .where(inArray(licenseItems.id, input.itemRowIds))
    .all();
  if (input.organizationId !== null && !tx.select({ id: licenses.id }).from(licenses).where(eq(licenses.organizationId, input.organizationId)).get()) {
    errors.organizationId = `No license of organization ${input.organizationId} has been imported. Import one first.`;
    return null;
  }
  if (rows.length !== new Set(input.itemRowIds).size) {
    errors.items ??= "Some of the chosen items no longer exist. Reload the page and choose again.";
    return input.organizationId;
  }
  const orgs = [...new Set(rows.map((r) => r.organizationId))].sort();
  const organizationId = input.organizationId ?? (orgs.length === 1 ? orgs[0]! : null);
  if (organizationId === null) {
    if (orgs.length > 1) errors.items ??= `The chosen items belong to organizations ${orgs.join(" and ")}: a code serves the items of one organization. Choose items of one of them.`;
    return null;
  }
  const foreign = rows.find((r) => r.organizationId !== organizationId);
  if (foreign) {
    errors.items ??= `Item ${foreign.item.itemId} belongs to organization ${foreign.organizationId}, not ${organizationId}: a code serves the items of its own organization only.`;
    return organizationId;
  }
  for (const { item } of rows) {
    const status = itemStatus(item, input.now);
    if (!isLinkable(status) && !input.alreadyLinked.has(item.id)) {
      errors.items ??= `Item ${item.itemId} is ${STATUS_LABELS[status].toLowerCase()}: it cannot serve clients. Choose items that are active.`;
    }
  }
  return organizationId;
}

/** Replaces the code's links with `itemRowIds`, in that order (positions 1…n). */
export function writeLinks(tx: Db, codeId: number, itemRowIds: number[]): void {
  tx.delete(handshakeCodeItems).where(eq(handshakeCodeItems.codeId, codeId)).run();
  if (itemRowIds.length === 0) return;
  tx.insert(handshakeCodeItems)
    .values(itemRowIds.map((itemRowId, i) => ({ codeId, itemRowId, position: i + 1 })))
    .run();
}

/** The item ids (the vendor's) of these rows, for audit details. */
export function itemIdsOf(tx: Db, itemRowIds: number[]): string[] {
  if (itemRowIds.length === 0) return [];
  const byRow = new Map(tx.select({ id: licenseItems.id, itemId: licenseItems.itemId }).from(licenseItems).where(inArray(licenseItems.id, itemRowIds)).all().map((r) => [r.id, r.itemId]));
  return itemRowIds.map((id) => byRow.get(id) ?? String(id));
}

/** These items (row ids) in DESIGN.md's default consumption order. */
export function inDefaultOrder(tx: Db, itemRowIds: number[]): number[] {
  if (itemRowIds.length === 0) return [];
  const rows = tx.select().from(licenseItems).where(inArray(licenseItems.id, itemRowIds)).all();
  return defaultOrder(rows).map((r) => r.id);
}
