import { DOMAIN_WINDOW_DAYS } from "../../domain/charge-ways";
import { domainReleaseBlocked, type DomainView } from "../../domain/device";
import { effectiveOrder, type CursorKey, type DeviceListQuery, type Page } from "../../domain/device-list";
import { DAY_MS } from "../../domain/slots";
import type { ServiceContext } from "../context";
import { fetchBeyond, keysetPage, prefixRange, type KeysetQuery } from "./keyset";
import type { DeviceScope } from "./list-devices";

interface DomainRow {
  itemRowId: number;
  itemId: string;
  domain: string;
  firstSeenAt: number;
  lastSeenAt: number;
}

const SELECT = `SELECT d.item_row_id AS itemRowId, i.item_id AS itemId, d.domain, d.first_seen_at AS firstSeenAt, d.last_seen_at AS lastSeenAt
  FROM item_domains d JOIN license_items i ON i.id = d.item_row_id`;

/**
 * One page of the domains `domain` items hold: of one item, or of every domain item of one code;
 * newest contact first unless `query` says otherwise (a search lists by domain). Active ones count
 * against the item's quantity (seen within 365 days). Each query walks the index (item,
 * last_seen_at, domain) or the primary key (item, domain) and stops after a page: O(page).
 */
export function listDomains(ctx: Pick<ServiceContext, "db" | "clock">, input: { scope: DeviceScope; query: DeviceListQuery }): Page<DomainView> {
  const { db } = ctx;
  const now = ctx.clock.now().getTime();
  const activeSince = now - DOMAIN_WINDOW_DAYS * DAY_MS;
  const order = effectiveOrder(input.query) === "name" ? "id" : effectiveOrder(input.query);
  const key = order === "id" ? ["d.domain"] : ["d.last_seen_at", "d.domain"];
  const keyOf = (r: DomainRow): CursorKey => (order === "id" ? [r.domain] : [r.lastSeenAt, r.domain]);
  const descending = order === "newest";
  const prefix = input.query.q ? prefixRange(input.query.q) : undefined; // a search orders by domain: key[0]
  const queries = domainItems(ctx, input.scope).map((itemRowId): KeysetQuery => ({ select: SELECT, where: ["d.item_row_id = ?"], params: [itemRowId], key, descending, prefix }));
  if (queries.length === 0) return { rows: [], first: 1, previous: null, next: null };
  const page = keysetPage<DomainRow>((from, forward, limit) => fetchBeyond(db.$client, queries, keyOf, descending, from, forward, limit), keyOf, input.query);
  return {
    ...page,
    rows: page.rows.map((r) => ({
      itemRowId: r.itemRowId,
      itemId: r.itemId,
      domain: r.domain,
      firstSeenAt: new Date(r.firstSeenAt),
      lastSeenAt: new Date(r.lastSeenAt),
      active: r.lastSeenAt > activeSince,
      releaseBlocked: domainReleaseBlocked(r, activeSince, now),
    })),
  };
}

/** The `domain` items in scope: the item itself if it is one, or a code's domain items. */
export function domainItems({ db }: Pick<ServiceContext, "db">, scope: DeviceScope): number[] {
  const rows =
    "itemRowId" in scope
      ? db.$client.query<{ id: number }, [number]>("SELECT id FROM license_items WHERE id = ? AND charge_way = 'domain'").all(scope.itemRowId)
      : db.$client
          .query<{ id: number }, [number]>("SELECT i.id FROM handshake_code_items c JOIN license_items i ON i.id = c.item_row_id WHERE c.code_id = ? AND i.charge_way = 'domain' ORDER BY i.id")
          .all(scope.codeId);
  return rows.map((r) => r.id);
}
