import { alertMutes, alertRules, ALERT_RULES } from "../../db/schema";
import { ALERT_RULE_SPECS, type AlertRuleName } from "../../domain/alerts";
import type { ServiceContext } from "../context";

export interface AlertRuleSettings {
  enabled: boolean;
  /** Ascending. */
  levels: number[];
}

export interface AlertSettings {
  rules: Record<AlertRuleName, AlertRuleSettings>;
  /** The subjects each rule is switched off for. */
  muted: Record<AlertRuleName, Set<string>>;
}

/** The thresholds in effect (DESIGN.md's defaults where none were saved) and the per-subject switches. */
export function readAlertSettings(ctx: Pick<ServiceContext, "db">): AlertSettings {
  const saved = ctx.db.select().from(alertRules).all();
  const rules = Object.fromEntries(
    ALERT_RULES.map((rule) => {
      const row = saved.find((r) => r.rule === rule);
      return [rule, row ? { enabled: row.enabled, levels: row.levels } : { enabled: true, levels: [...ALERT_RULE_SPECS[rule].defaults] }];
    }),
  ) as Record<AlertRuleName, AlertRuleSettings>;
  const muted = Object.fromEntries(ALERT_RULES.map((rule) => [rule, new Set<string>()])) as Record<AlertRuleName, Set<string>>;
  for (const row of ctx.db.select().from(alertMutes).all()) muted[row.rule].add(row.subject);
  return { rules, muted };
}
