import { eq } from "drizzle-orm";
import { handshakeCodeItems, handshakeCodes, licenseItems, licenses } from "../../db/schema";
import { itemStatus } from "../../domain/item-status";
import { compareItems, type ItemSortKey, type LicenseItemView } from "../../domain/license-item";
import type { ServiceContext } from "../context";
import { usedByItem } from "./item-usage";

export interface ListItemsInput {
  now: Date;
  sort?: ItemSortKey;
  descending?: boolean;
  /** Expired and revoked items are left out unless asked for. */
  showExpired?: boolean;
  showRevoked?: boolean;
}

/** Every item of every imported license, with its status and usage now, sorted (default: by expiry). */
export function listItems({ db }: Pick<ServiceContext, "db">, input: ListItemsInput): LicenseItemView[] {
  const codesByItem = new Map<number, string[]>();
  for (const link of db.select({ itemRowId: handshakeCodeItems.itemRowId, code: handshakeCodes.code }).from(handshakeCodeItems).innerJoin(handshakeCodes, eq(handshakeCodes.id, handshakeCodeItems.codeId)).all()) {
    codesByItem.set(link.itemRowId, [...(codesByItem.get(link.itemRowId) ?? []), link.code]);
  }
  const rows = db.select({ item: licenseItems, license: licenses }).from(licenseItems).innerJoin(licenses, eq(licenses.id, licenseItems.licenseRowId)).all();
  const used = usedByItem(db, input.now);
  const views = rows.map(({ item, license }): LicenseItemView => ({
    rowId: item.id,
    itemId: item.itemId,
    description: item.description,
    product: item.product,
    version: item.version,
    edition: item.edition,
    deploymentTypes: item.deploymentTypes,
    chargeWay: item.chargeWay,
    quantity: item.quantity,
    windowDays: item.windowDays,
    used: used.get(item.id) ?? 0,
    startsAt: item.startsAt,
    expiresAt: item.expiresAt,
    graceDays: item.graceDays,
    modules: item.modules,
    revokedAt: item.revokedAt,
    status: itemStatus(item, input.now),
    licenseId: license.licenseId,
    licenseAlias: license.alias,
    organizationId: license.organizationId,
    licensee: license.licensee,
    issuerKid: item.issuerKid,
    demoIssuer: license.demoIssuer,
    codes: (codesByItem.get(item.id) ?? []).sort(),
  }));
  const key = input.sort ?? "expiresAt";
  const sign = input.descending ? -1 : 1;
  return views
    .filter((v) => (input.showExpired || v.status !== "expired") && (input.showRevoked || v.status !== "revoked"))
    .sort((a, b) => sign * compareItems(key, a, b) || compareItems("itemId", a, b));
}
