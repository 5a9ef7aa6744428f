import { DOMAIN_WINDOW_DAYS } from "../../domain/charge-ways";
import { domainReleaseBlocked, type DomainView } from "../../domain/device";
import { DAY_MS } from "../../domain/slots";
import type { ServiceContext } from "../context";

/**
 * The domains `domain` items hold: of one item, or of every item of one code; newest contact
 * first. Active ones count against the item's quantity (seen within 365 days).
 */
export function listDomains({ db, clock }: Pick<ServiceContext, "db" | "clock">, input: { itemRowId?: number; codeId?: number }): DomainView[] {
  const now = clock.now().getTime();
  const activeSince = now - DOMAIN_WINDOW_DAYS * DAY_MS;
  const rows = db.$client
    .query<{ itemRowId: number; itemId: string; domain: string; firstSeenAt: number; lastSeenAt: number }, [number]>(
      `SELECT d.item_row_id AS itemRowId, i.item_id AS itemId, d.domain, d.first_seen_at AS firstSeenAt, d.last_seen_at AS lastSeenAt
         FROM item_domains d JOIN license_items i ON i.id = d.item_row_id
        WHERE ${input.codeId !== undefined ? "d.item_row_id IN (SELECT item_row_id FROM handshake_code_items WHERE code_id = ?1)" : "d.item_row_id = ?1"}
        ORDER BY d.last_seen_at DESC, d.domain`,
    )
    .all(input.codeId ?? input.itemRowId ?? -1);
  return rows.map((r) => ({
    itemRowId: r.itemRowId,
    itemId: r.itemId,
    domain: r.domain,
    firstSeenAt: new Date(r.firstSeenAt),
    lastSeenAt: new Date(r.lastSeenAt),
    active: r.lastSeenAt > activeSince,
    releaseBlocked: domainReleaseBlocked(r, activeSince, now),
  }));
}
