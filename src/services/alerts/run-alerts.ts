import { and, eq } from "drizzle-orm";
import { alertState, outbox } from "../../db/schema";
import { transaction } from "../../db/transaction";
import { ALERT_RULE_SPECS, decideAlert, describeCondition, levelReached, type AlertCondition, type AlertReport, type ComposedEmail, type FiredLevel } from "../../domain/alerts";
import type { ServiceContext } from "../context";
import { readAlertSettings } from "./alert-rules";
import { measureAlerts } from "./measure-alerts";

/** Renders a run's conditions as one email (templates/emails, injected: services do not import views). */
export type AlertEmailComposer = (report: AlertReport) => ComposedEmail;

export interface AlertRun {
  conditions: AlertCondition[];
  /** The outbox row queued for them; null when nothing fired. */
  queued: number | null;
}

const key = (rule: string, subject: string) => `${rule}\u0000${subject}`;

/**
 * The alert engine's one run: reads every value (no transaction held), decides which levels fire
 * (src/domain/alerts.ts: once per crossing; re-armed when the value falls back or the quota
 * changes), then writes the alert state and queues ONE message listing every condition met, in one
 * short transaction. Who may call: the alerts job (and tests). Does nothing on the API's path.
 */
export function runAlerts(ctx: Pick<ServiceContext, "db" | "clock" | "origin" | "instanceKey">, compose: AlertEmailComposer): AlertRun {
  const now = ctx.clock.now();
  const settings = readAlertSettings(ctx);
  const { portalUrl, measurements } = measureAlerts(ctx, settings, now);
  const previous = new Map(ctx.db.select().from(alertState).all().map((r) => [key(r.rule, r.subject), r]));

  const conditions: AlertCondition[] = [];
  const upserts: { rule: AlertCondition["rule"]; subject: string; next: FiredLevel; value: number }[] = [];
  const seen = new Set<string>();
  // Below every level, switched off, or gone: forget what fired, so the next crossing fires again.
  const forgotten: { rule: AlertCondition["rule"]; subject: string }[] = [];
  for (const m of measurements) {
    const k = key(m.rule, m.subject);
    seen.add(k);
    const spec = ALERT_RULE_SPECS[m.rule];
    const prev = previous.get(k) ?? null;
    const { fire, next } = decideAlert(spec.direction, prev, levelReached(spec.direction, settings.rules[m.rule].levels, m.value), m.quota);
    if (fire) conditions.push({ rule: m.rule, subject: m.subject, title: m.title, level: next!.level, value: m.rule === "expiry" ? m.value : Math.round(m.value * 10) / 10, detail: m.detail, link: m.link });
    if (!next && prev) forgotten.push(prev);
    if (next && (!prev || prev.level !== next.level || prev.quota !== next.quota)) upserts.push({ rule: m.rule, subject: m.subject, next, value: m.value });
  }
  for (const [k, r] of previous) if (!seen.has(k)) forgotten.push(r);
  if (upserts.length === 0 && forgotten.length === 0) return { conditions, queued: null };

  const email = conditions.length > 0 ? compose({ at: now, conditions, portalUrl }) : null;
  return transaction(ctx.db, (tx) => {
    const at = now.getTime();
    for (const r of forgotten) tx.delete(alertState).where(and(eq(alertState.rule, r.rule), eq(alertState.subject, r.subject))).run();
    for (const u of upserts) {
      const values = { level: u.next.level, quota: u.next.quota, value: u.value, firedAt: at };
      tx.insert(alertState).values({ rule: u.rule, subject: u.subject, ...values }).onConflictDoUpdate({ target: [alertState.rule, alertState.subject], set: values }).run();
    }
    if (!email) return { conditions, queued: null };
    const row = tx
      .insert(outbox)
      .values({ createdAt: at, subject: email.subject, text: email.text, html: email.html, summary: conditions.map(describeCondition), status: "pending", nextAttemptAt: at })
      .returning({ id: outbox.id })
      .get();
    return { conditions, queued: row.id };
  });
}
