import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { licenseItems, licenses } from "../../db/schema";
import type { KnownItem, KnownLicense } from "../../domain/license-import";
import type { OpenedLicense } from "./open-license";

/** What the database knows that planImport() needs about a file's issuer and license. */
export function gatherKnown(db: Db, file: OpenedLicense): { existing: (KnownLicense & { rowId: number }) | null; knownItems: Map<string, KnownItem> } {
  const license = db
    .select()
    .from(licenses)
    .where(and(eq(licenses.issuerKid, file.kid), eq(licenses.licenseId, file.payload.licenseId)))
    .get();
  const items = db
    .select({ itemId: licenseItems.itemId, licenseId: licenses.licenseId, organizationId: licenses.organizationId, revokedAt: licenseItems.revokedAt, licenseRowId: licenseItems.licenseRowId })
    .from(licenseItems)
    .innerJoin(licenses, eq(licenses.id, licenseItems.licenseRowId))
    .where(eq(licenseItems.issuerKid, file.kid))
    .all();
  const knownItems = new Map(items.map((i) => [i.itemId, { itemId: i.itemId, licenseId: i.licenseId, organizationId: i.organizationId, revoked: i.revokedAt !== null }]));
  const existing = license
    ? {
        rowId: license.id,
        licenseId: license.licenseId,
        boundUuids: license.boundUuids,
        payloadSha256: license.payloadSha256,
        importedAt: license.importedAt,
        lastImportedAt: license.updatedAt,
        issuedAt: license.issuedAt,
        activatedAt: license.activatedAt,
        itemIds: items.filter((i) => i.licenseRowId === license.id).map((i) => i.itemId),
      }
    : null;
  return { existing, knownItems };
}
