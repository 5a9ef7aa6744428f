import * as v from "valibot";
import { transaction } from "../../db/transaction";
import { DOMAIN_WINDOW_DAYS } from "../../domain/charge-ways";
import { domainReleaseBlocked } from "../../domain/device";
import { AppError } from "../../domain/errors";
import { DAY_MS } from "../../domain/slots";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { UsageStore } from "../usage/usage-store";

export const ReleaseDomainInput = v.object({
  itemRowId: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  domain: v.pipe(v.string(), v.minLength(1, "is not a domain"), v.maxLength(253, "is not a domain")),
});
export type ReleaseDomainInput = v.InferInput<typeof ReleaseDomainInput>;

/**
 * Frees the seat a domain holds on a `domain` item, once the domain has been silent for 7 days
 * (DESIGN.md, "Devices"): the domain is forgotten and is a new one at its next contact. Audited
 * as `domain.released`. Throws NOT_FOUND for an unknown domain, CONFLICT when it may not be
 * released yet.
 */
export function releaseDomain(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: ReleaseDomainInput): void {
  const input = parseInput(ReleaseDomainInput, raw);
  transaction(ctx.db, (tx) => {
    const now = ctx.clock.now().getTime();
    const row = tx.$client
      .query<{ itemId: string; lastSeenAt: number }, [number, string]>(
        `SELECT i.item_id AS itemId, d.last_seen_at AS lastSeenAt FROM item_domains d JOIN license_items i ON i.id = d.item_row_id WHERE d.item_row_id = ? AND d.domain = ?`,
      )
      .get(input.itemRowId, input.domain);
    if (!row) throw new AppError("NOT_FOUND", "This item holds no such domain. Reload the page.");
    const blocked = domainReleaseBlocked(row, now - DOMAIN_WINDOW_DAYS * DAY_MS, now);
    if (blocked) throw new AppError("CONFLICT", `Domain ${input.domain} ${blocked}.`);
    new UsageStore(tx).forgetDomain(input.itemRowId, input.domain); // the capacity counter with the row
    recordAuditEvent(tx, new Date(now), ctx.actor, "domain.released", { itemId: row.itemId, domain: input.domain, lastSeenAt: new Date(row.lastSeenAt).toISOString() });
  });
}
