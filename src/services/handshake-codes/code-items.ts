import { asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { handshakeCodeItems, handshakeCodes, licenseItems } from "../../db/schema";
import { defaultOrder } from "../../domain/consumption-order";

export type LicenseItemRow = typeof licenseItems.$inferSelect;

/** A code's items in its consumption order: as the admin saved it, else DESIGN.md's default. */
export function codeItemsInOrder(db: Db, codeId: number): LicenseItemRow[] {
  const code = db.select({ customOrder: handshakeCodes.customOrder }).from(handshakeCodes).where(eq(handshakeCodes.id, codeId)).get();
  if (!code) return [];
  const rows = db
    .select({ item: licenseItems })
    .from(handshakeCodeItems)
    .innerJoin(licenseItems, eq(licenseItems.id, handshakeCodeItems.itemRowId))
    .where(eq(handshakeCodeItems.codeId, codeId))
    .orderBy(asc(handshakeCodeItems.position))
    .all()
    .map((r) => r.item);
  if (code.customOrder) return rows;
  return defaultOrder(rows);
}
