import { validationError } from "./errors";
import { servesUntil } from "./item-status";

/**
 * What importing a verified license file would do (PROTOCOL.md, "Import rules"), decided without
 * touching storage: the caller gathers what the database knows, this says what to change, and a
 * refusal is thrown as VALIDATION with a message that says what to do. Nothing is written here.
 */
export interface FileForImport {
  payload: {
    licenseId: string;
    organizationId: string;
    status: "new" | "activated" | "revocation";
    boundUuids: string[];
    issuedAt: string;
    activatedAt?: string | null;
    items: { itemId: string; startsAt: string; expiresAt: string; graceDays?: number }[];
    revokes?: string[];
  };
  payloadSha256: string;
}

export interface KnownLicense {
  licenseId: string;
  boundUuids: string[];
  payloadSha256: string;
  importedAt: Date;
  /** When a file of this license was last imported (the first import or a later one). */
  lastImportedAt: Date;
  issuedAt: Date;
  activatedAt: Date;
  itemIds: string[];
}

export interface KnownItem {
  itemId: string;
  licenseId: string;
  organizationId: string;
  revoked: boolean;
}

export const IMPORT_KINDS = ["new", "rebind", "update", "revocation", "no-op"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export type ImportPlan =
  | { kind: "no-op"; message: string }
  | { kind: "new" | "rebind" | "update"; message: string; droppedItemIds: string[]; notYetValidItemIds: string[] }
  | { kind: "revocation"; message: string; revokes: string[] };

export function planImport(input: {
  file: FileForImport;
  /** This server's UUID as derived from its hardware now; null before Generate UUID. */
  thisUuid: string | null;
  now: Date;
  /** The license with the same issuer and licenseId, if one was imported before. */
  existing: KnownLicense | null;
  /** Items of this issuer already imported, by item id (for ownership and revocations). */
  knownItems: Map<string, KnownItem>;
}): ImportPlan {
  const { file, thisUuid, now, existing, knownItems } = input;
  const p = file.payload;
  if (!thisUuid) refuse("This server has no machine UUID yet. Generate one (Generate UUID), have your vendor activate the license for it, then import the activated file.");
  if (p.status === "new") refuse(`This license file is not activated yet. Activate it for this server's UUID ${thisUuid} (your vendor's portal, or lts-vendor activate --uuid ${thisUuid}) and import the activated file.`);
  if (!p.boundUuids.includes(thisUuid)) {
    refuse(`This file is activated for ${p.boundUuids.join(" and ")}, not for this server, whose UUID is ${thisUuid}. Ask your vendor to activate it for ${thisUuid}.`);
  }

  if (p.status === "revocation") return planRevocation(p.organizationId, p.revokes ?? [], knownItems);

  if (existing?.payloadSha256 === file.payloadSha256) {
    return { kind: "no-op", message: `License ${p.licenseId} was already imported from this very file on ${existing.importedAt.toISOString().slice(0, 10)}; nothing changed.` };
  }
  if (existing) refuseRollback(p, existing);
  const serving = p.items.filter((i) => servesUntil({ expiresAt: new Date(i.expiresAt), graceDays: i.graceDays ?? 7 }) > now);
  if (serving.length === 0) {
    const last = p.items.map((i) => i.expiresAt).sort().at(-1)?.slice(0, 10);
    refuse(`Every item in this file has expired (the last on ${last}, grace included). Ask your vendor for a renewed license file.`);
  }
  const foreign = p.items.filter((i) => {
    const owner = knownItems.get(i.itemId);
    return owner && owner.licenseId !== p.licenseId;
  });
  if (foreign.length > 0) {
    refuse(`Item ${foreign.map((i) => i.itemId).join(", ")} already belongs to license ${knownItems.get(foreign[0]!.itemId)!.licenseId}. The vendor's item ids must be unique; ask your vendor for a corrected file.`);
  }

  const notYetValidItemIds = p.items.filter((i) => new Date(i.startsAt) > now).map((i) => i.itemId);
  if (!existing) return { kind: "new", message: `License ${p.licenseId} with ${p.items.length} item(s) will be added.`, droppedItemIds: [], notYetValidItemIds };

  const inFile = new Set(p.items.map((i) => i.itemId));
  const droppedItemIds = existing.itemIds.filter((id) => !inFile.has(id));
  const sameUuids = [...existing.boundUuids].sort().join() === [...p.boundUuids].sort().join();
  if (!sameUuids) {
    return {
      kind: "rebind",
      message: `License ${p.licenseId} moves from ${existing.boundUuids.join(" and ")} to ${p.boundUuids.join(" and ")}; its items and their usage are kept.`,
      droppedItemIds,
      notYetValidItemIds,
    };
  }
  return { kind: "update", message: `License ${p.licenseId} is replaced by the newer file from your vendor; usage is kept.`, droppedItemIds, notYetValidItemIds };
}

/**
 * A known license is only ever replaced by a newer file (PROTOCOL.md, "Import rules"): one issued
 * earlier would restore what the vendor has since changed (a bigger quantity, a later expiry).
 * A rebind keeps the issue date and is activated later, so files are ordered by issue date, then
 * activation date; a different file with the same two dates is refused too.
 */
function refuseRollback(p: FileForImport["payload"], existing: KnownLicense): void {
  const issued = Date.parse(p.issuedAt) - existing.issuedAt.getTime();
  const activated = Date.parse(p.activatedAt ?? p.issuedAt) - existing.activatedAt.getTime();
  if (issued > 0 || (issued === 0 && activated > 0)) return;
  const on = existing.lastImportedAt.toISOString().slice(0, 10);
  if (issued < 0 || activated < 0) refuse(`This file is older than the one imported on ${on}: import the newest file from your vendor.`);
  refuse(`This file has the same dates as the one imported on ${on} but other contents: import the newest file from your vendor, or ask your vendor to issue a new one.`);
}

function planRevocation(organizationId: string, revokes: string[], knownItems: Map<string, KnownItem>): ImportPlan {
  const unknown = revokes.filter((id) => knownItems.get(id)?.organizationId !== organizationId);
  if (unknown.length > 0) refuse(`This revocation names item(s) ${unknown.join(", ")}, which this server does not have for organization ${organizationId}. Nothing was revoked; check that you import the right file.`);
  const pending = revokes.filter((id) => !knownItems.get(id)!.revoked);
  if (pending.length === 0) return { kind: "no-op", message: `Item(s) ${revokes.join(", ")} were already revoked; nothing changed.` };
  return { kind: "revocation", message: `Item(s) ${pending.join(", ")} will be revoked: they stop serving clients at once.`, revokes: pending };
}

function refuse(message: string): never {
  throw validationError({ file: message }, message);
}
