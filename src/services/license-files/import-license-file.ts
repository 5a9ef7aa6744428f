import { and, eq, inArray, isNull, max } from "drizzle-orm";
import type { Db } from "../../db/client";
import { handshakeCodeItems, handshakeCodes, licenseItems, licenses } from "../../db/schema";
import { catalogChanged } from "../../db/catalog-version";
import { transaction } from "../../db/transaction";
import { DOMAIN_WINDOW_DAYS } from "../../domain/charge-ways";
import { validationError } from "../../domain/errors";
import { suffixProblem } from "../../domain/handshake-code";
import { DEFAULT_GRACE_DAYS, type LicensePayload } from "../../domain/license";
import { planImport, type ImportPlan } from "../../domain/license-import";
import { DAY_MS } from "../../domain/slots";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { ensureHandshakeCode } from "../handshake-codes";
import type { MachineBinding } from "../machine-identity";
import { UsageStore } from "../usage/usage-store";
import { gatherKnown } from "./gather-known";
import { openLicense, type OpenedLicense } from "./open-license";

export interface ImportLicenseFileInput {
  file: Uint8Array;
  machine: MachineBinding;
  /** Suffix of the code that gets the file's new items (created if missing); default the license id. */
  codeSuffix?: string;
}

export interface ImportResult {
  kind: ImportPlan["kind"];
  message: string;
  licenseId: string;
  organizationId: string;
  /** The code new items were attached to, when there were new items. */
  code: string | null;
  itemIds: string[];
  demo: boolean;
}

/**
 * Imports a license file as PROTOCOL.md's import rules say, in one transaction with its audit
 * row: a new license, a rebind to new UUIDs or an update (items matched by id, usage kept), a
 * revocation, or a no-op. A license bound to the UUID this hardware gives now, imported during a
 * binding mismatch, makes that UUID the server's identity. New items are attached to the chosen handshake code, created when
 * missing (an organization's first code is its default). Throws VALIDATION, changing nothing,
 * when the file is refused or the code suffix is not valid.
 */
export function importLicenseFile(ctx: Pick<ServiceContext, "db" | "clock" | "actor" | "trustedIssuers">, input: ImportLicenseFileInput): ImportResult {
  const license = openLicense(input.file, ctx.trustedIssuers);
  const suffix = input.codeSuffix?.trim() || license.payload.licenseId;
  const problem = suffixProblem(suffix);
  if (problem) throw validationError({ codeSuffix: problem });

  return transaction(ctx.db, (tx) => {
    catalogChanged(tx); // the API reads the catalog again (src/db/catalog-version.ts)
    const at = ctx.clock.now();
    const known = gatherKnown(tx, license);
    const plan = planImport({ file: license, thisUuid: input.machine.uuid, now: at, existing: known.existing, knownItems: known.knownItems });
    const p = license.payload;
    const result = { kind: plan.kind, message: plan.message, licenseId: p.licenseId, organizationId: p.organizationId, code: null as string | null, itemIds: p.items.map((i) => i.itemId), demo: license.demo };

    if (plan.kind === "no-op") return result;
    if (plan.kind === "revocation") {
      const revoked = tx
        .update(licenseItems)
        .set({ revokedAt: at })
        .where(and(eq(licenseItems.issuerKid, license.kid), inArray(licenseItems.itemId, plan.revokes), isNull(licenseItems.revokedAt)))
        .returning({ id: licenseItems.id })
        .all();
      touchCodesOf(tx, revoked.map((r) => r.id), at);
      recordAuditEvent(tx, at, ctx.actor, "license.items-revoked", { revocationId: p.licenseId, organizationId: p.organizationId, itemIds: plan.revokes });
      return { ...result, itemIds: plan.revokes };
    }

    // A license activated for the UUID this hardware gives now ends a binding mismatch.
    if (input.machine.uuid !== input.machine.storedUuid) input.machine.adopt(tx, at);
    const rowId = saveLicense(tx, license, known.existing?.rowId ?? null, at);
    const newItemRowIds = saveItems(tx, license, rowId, new Set(known.existing?.itemIds ?? []), at);
    // A rebind or an update changes what clients hold: their codes move, so clients renew.
    if (known.existing) touchCodesOf(tx, itemRowIdsOf(tx, rowId), at);
    if (plan.droppedItemIds.length > 0) {
      tx.update(licenseItems)
        .set({ revokedAt: at })
        .where(and(eq(licenseItems.licenseRowId, rowId), inArray(licenseItems.itemId, plan.droppedItemIds), isNull(licenseItems.revokedAt)))
        .run();
    }
    if (newItemRowIds.length > 0) {
      const { code } = ensureHandshakeCode(tx, { organizationId: p.organizationId, suffix, name: p.alias || suffix, at, actor: ctx.actor });
      attachItems(tx, code.id, newItemRowIds, at);
      result.code = code.code;
    }
    const action = plan.kind === "new" ? "license.imported" : plan.kind === "rebind" ? "license.rebound" : "license.updated";
    recordAuditEvent(tx, at, ctx.actor, action, {
      licenseId: p.licenseId,
      organizationId: p.organizationId,
      boundUuids: p.boundUuids,
      itemIds: result.itemIds,
      droppedItemIds: plan.droppedItemIds,
      code: result.code,
      demoIssuer: license.demo,
    });
    return result;
  });
}

function saveLicense(tx: Db, license: OpenedLicense, rowId: number | null, at: Date): number {
  const p: LicensePayload = license.payload;
  const values = {
    alias: p.alias,
    organizationId: p.organizationId,
    licensee: p.licensee,
    boundUuids: p.boundUuids,
    issuedAt: new Date(p.issuedAt),
    activatedAt: new Date(p.activatedAt ?? p.issuedAt),
    payloadSha256: license.payloadSha256,
    fileText: license.fileText,
    updatedAt: at,
  };
  if (rowId !== null) {
    tx.update(licenses).set(values).where(eq(licenses.id, rowId)).run();
    return rowId;
  }
  const [row] = tx
    .insert(licenses)
    .values({ ...values, licenseId: p.licenseId, issuerKid: license.kid, demoIssuer: license.demo, importedAt: at })
    .returning({ id: licenses.id })
    .all();
  return row!.id;
}

/** Writes every item of the file (matched by id, so usage stays); returns the row ids of new ones. */
function saveItems(tx: Db, license: OpenedLicense, licenseRowId: number, existingItemIds: Set<string>, at: Date): number[] {
  const added: number[] = [];
  const waysBefore = new Map(tx.select({ id: licenseItems.id, chargeWay: licenseItems.chargeWay }).from(licenseItems).where(eq(licenseItems.licenseRowId, licenseRowId)).all().map((r) => [r.id, r.chargeWay as string]));
  for (const item of license.payload.items) {
    const values = {
      description: item.description,
      product: item.product,
      version: item.version,
      edition: item.edition,
      deploymentTypes: item.deploymentTypes,
      chargeWay: item.chargeWay,
      quantity: item.quantity,
      windowDays: item.windowDays ?? null,
      startsAt: new Date(item.startsAt),
      expiresAt: new Date(item.expiresAt),
      graceDays: item.graceDays ?? DEFAULT_GRACE_DAYS,
      modules: item.modules,
    };
    if (existingItemIds.has(item.itemId)) {
      const [row] = tx.update(licenseItems).set(values).where(and(eq(licenseItems.issuerKid, license.kid), eq(licenseItems.itemId, item.itemId))).returning({ id: licenseItems.id }).all();
      if (row && waysBefore.get(row.id) !== item.chargeWay) new UsageStore(tx).recountItem(row.id, at.getTime(), at.getTime() - DOMAIN_WINDOW_DAYS * DAY_MS); // the capacity counters follow the charge way
      continue;
    }
    const [row] = tx
      .insert(licenseItems)
      .values({ ...values, licenseRowId, itemId: item.itemId, issuerKid: license.kid })
      .returning({ id: licenseItems.id })
      .all();
    added.push(row!.id);
  }
  return added;
}

function itemRowIdsOf(tx: Db, licenseRowId: number): number[] {
  return tx.select({ id: licenseItems.id }).from(licenseItems).where(eq(licenseItems.licenseRowId, licenseRowId)).all().map((r) => r.id);
}

/** Moves `updatedAt` of every code linked to these items: clients see handshakeUpdatedAt change and renew. */
function touchCodesOf(tx: Db, itemRowIds: number[], at: Date): void {
  if (itemRowIds.length === 0) return;
  const codeIds = tx.selectDistinct({ id: handshakeCodeItems.codeId }).from(handshakeCodeItems).where(inArray(handshakeCodeItems.itemRowId, itemRowIds)).all().map((r) => r.id);
  if (codeIds.length > 0) tx.update(handshakeCodes).set({ updatedAt: at }).where(inArray(handshakeCodes.id, codeIds)).run();
}

/** Appends items to a code; clients see the code changed (handshakeUpdatedAt). */
function attachItems(tx: Db, codeId: number, itemRowIds: number[], at: Date) {
  tx.update(handshakeCodes).set({ updatedAt: at }).where(eq(handshakeCodes.id, codeId)).run();
  const last = tx.select({ position: max(handshakeCodeItems.position) }).from(handshakeCodeItems).where(eq(handshakeCodeItems.codeId, codeId)).get()?.position ?? 0;
  tx.insert(handshakeCodeItems)
    .values(itemRowIds.map((itemRowId, i) => ({ codeId, itemRowId, position: last + i + 1 })))
    .run();
}
