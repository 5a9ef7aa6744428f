import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { codeCounters, handshakeCodes } from "../../db/schema";
import type { HandshakeCodeView } from "../../domain/handshake-code";
import { itemStatus } from "../../domain/item-status";
import { readServerUrls, type ServerUrls } from "../settings";
import { codeItemsInOrder } from "./code-items";
import type { CodeReader } from "./context";
import type { HandshakeCodeRow } from "./ensure-handshake-code";
import { licenseKeyOf } from "./license-key-of";

/**
 * Every handshake code, sorted by code, with its items in consumption order, the number of
 * devices it has granted, and its license key with the server URLs in effect now.
 */
export function listHandshakeCodes(ctx: CodeReader): HandshakeCodeView[] {
  const urls = readServerUrls(ctx);
  const devices = deviceCounts(ctx.db);
  return ctx.db
    .select()
    .from(handshakeCodes)
    .all()
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((row) => codeView(ctx, row, urls, devices.get(row.id) ?? 0));
}

/** One code as listHandshakeCodes shows it, or null when there is no such code. */
export function findHandshakeCode(ctx: CodeReader, code: string): HandshakeCodeView | null {
  const row = ctx.db.select().from(handshakeCodes).where(eq(handshakeCodes.code, code)).get();
  if (!row) return null;
  return codeView(ctx, row, readServerUrls(ctx), deviceCounts(ctx.db, row.id).get(row.id) ?? 0);
}

/** Distinct devices granted per code: the counters kept with the grants (O(codes), not O(devices)). */
function deviceCounts(db: Db, codeId?: number): Map<number, number> {
  const query = db.select({ codeId: codeCounters.codeId, devices: codeCounters.devices }).from(codeCounters);
  const rows = codeId === undefined ? query.all() : query.where(eq(codeCounters.codeId, codeId)).all();
  return new Map(rows.map((r) => [r.codeId, r.devices]));
}

function codeView(ctx: CodeReader, row: HandshakeCodeRow, urls: ServerUrls, deviceCount: number): HandshakeCodeView {
  const now = ctx.clock.now();
  return {
    id: row.id,
    code: row.code,
    organizationId: row.organizationId,
    suffix: row.suffix,
    name: row.name,
    isDefault: row.isDefault,
    enabled: row.enabled,
    hasSessionPassword: row.sessionPasswordMac !== null,
    validation: {
      domains: row.validationDomains,
      appIds: row.validationAppIds,
      processNames: row.validationProcessNames,
    },
    customOrder: row.customOrder,
    items: codeItemsInOrder(ctx.db, row.id).map((item) => ({ rowId: item.id, itemId: item.itemId, description: item.description, status: itemStatus(item, now), expiresAt: item.expiresAt })),
    deviceCount,
    licenseKey: licenseKeyOf(row, urls, ctx.instanceKey),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
