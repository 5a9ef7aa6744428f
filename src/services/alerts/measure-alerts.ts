import { and, eq, gte, inArray, isNull, sql } from "drizzle-orm";
import { allowanceUsage, authorizationCounts, handshakeCodes, licenseItems, licenses } from "../../db/schema";
import { licenseYear, yearlyAllowance } from "../../domain/charge-ways";
import { FAILURE_WINDOW_MS, MIN_AUTHORIZATION_ATTEMPTS, type AlertRuleName } from "../../domain/alerts";
import { itemStatus } from "../../domain/item-status";
import { DAY_MS, SLOT_MS, slotOf } from "../../domain/slots";
import type { ServiceContext } from "../context";
import { usedByItem } from "../items/item-usage";
import { readServerUrls } from "../settings";
import type { AlertSettings } from "./alert-rules";

/** One subject measured against one rule: the value, the quota it is measured against, its numbers. */
export interface Measurement {
  rule: AlertRuleName;
  subject: string;
  title: string;
  value: number;
  /** What the value is relative to: quantity, yearly allowance, or the expiry date (ms). A change re-arms. */
  quota: number;
  detail: string;
  link: string;
}

const UNITS: Record<string, string> = { device: "devices active", scan: "scans used", page: "pages used" };

/**
 * Reads, without a transaction of its own, every value the enabled rules judge at `now`: per item
 * the share of its quota used (devices, scans, pages; for concurrent items the share of this
 * license year's overuse allowance drawn) and the days left before it expires; per handshake code
 * the share of refused authorizations in the last 60 minutes (judged from 20 attempts on). Items
 * that no longer serve, and switched-off subjects, are left out. A few grouped queries, whatever
 * the history's length.
 */
export function measureAlerts(ctx: Pick<ServiceContext, "db" | "origin" | "instanceKey">, settings: AlertSettings, now: Date): { portalUrl: string; measurements: Measurement[] } {
  const portalUrl = readServerUrls(ctx).main.replace(/\/+$/, "");
  const at = now.getTime();
  const out: Measurement[] = [];
  const { rules, muted } = settings;

  if (rules["item-quota"].enabled || rules.expiry.enabled) {
    const items = ctx.db
      .select({ item: licenseItems, licenseId: licenses.licenseId, activatedAt: licenses.activatedAt })
      .from(licenseItems)
      .innerJoin(licenses, eq(licenses.id, licenseItems.licenseRowId))
      .where(isNull(licenseItems.revokedAt))
      .all()
      .filter((r) => ["active", "expiring-soon", "in-grace"].includes(itemStatus(r.item, now)));
    const used = rules["item-quota"].enabled ? usedByItem(ctx.db, now) : new Map<number, number>();
    for (const { item, licenseId, activatedAt } of items) {
      const subject = String(item.id);
      const link = `${portalUrl}/statistics/item/${item.id}`;
      const title = `Item ${item.itemId} (${item.description}) of license ${licenseId}`;
      if (rules["item-quota"].enabled && !muted["item-quota"].has(subject) && item.quantity > 0) {
        if (item.chargeWay === "concurrent-device" || item.chargeWay === "concurrent-instance") {
          const year = licenseYear(activatedAt.getTime(), at);
          const drawn = ctx.db.select({ used: allowanceUsage.used }).from(allowanceUsage).where(and(eq(allowanceUsage.itemRowId, item.id), eq(allowanceUsage.licenseYear, year))).get()?.used ?? 0;
          const allowance = yearlyAllowance(item.quantity);
          out.push({ rule: "item-quota", subject, title, value: (drawn / allowance) * 100, quota: allowance, detail: `${drawn} of ${allowance} extra seat-slots of this license year's overuse allowance drawn`, link });
        } else if (UNITS[item.chargeWay]) {
          const n = used.get(item.id) ?? 0;
          out.push({ rule: "item-quota", subject, title, value: (n / item.quantity) * 100, quota: item.quantity, detail: `${n} of ${item.quantity} ${UNITS[item.chargeWay]}`, link });
        }
      }
      const expires = item.expiresAt.getTime();
      if (rules.expiry.enabled && !muted.expiry.has(subject) && expires > at) {
        const days = Math.ceil((expires - at) / DAY_MS);
        out.push({ rule: "expiry", subject, title, value: days, quota: expires, detail: `expires ${item.expiresAt.toISOString().slice(0, 10)}`, link });
      }
    }
  }

  if (rules["code-failures"].enabled) {
    const codes = ctx.db.select({ code: handshakeCodes.code }).from(handshakeCodes).all().map((r) => r.code).filter((c) => !muted["code-failures"].has(c));
    const since = slotOf(at - FAILURE_WINDOW_MS + SLOT_MS);
    const counts = codes.length === 0 ? [] : ctx.db
      .select({ code: authorizationCounts.code, granted: sql<number>`sum(${authorizationCounts.granted})`.mapWith(Number), refused: sql<number>`sum(${authorizationCounts.refused})`.mapWith(Number) })
      .from(authorizationCounts)
      .where(and(inArray(authorizationCounts.code, codes), gte(authorizationCounts.slot, since)))
      .groupBy(authorizationCounts.code)
      .all();
    for (const c of counts) {
      const total = c.granted + c.refused;
      if (total < MIN_AUTHORIZATION_ATTEMPTS) continue;
      out.push({
        rule: "code-failures",
        subject: c.code,
        title: `Handshake code ${c.code}`,
        value: (c.refused / total) * 100,
        quota: 0,
        detail: `${c.refused} of ${total} authorizations refused in the last 60 minutes`,
        link: `${portalUrl}/statistics/code/${encodeURIComponent(c.code)}?metric=authorizations`,
      });
    }
  }
  return { portalUrl, measurements: out };
}
