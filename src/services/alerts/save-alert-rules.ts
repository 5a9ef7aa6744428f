import * as v from "valibot";
import { alertRules, ALERT_RULES } from "../../db/schema";
import { transaction } from "../../db/transaction";
import { parseLevels } from "../../domain/alerts";
import { validationError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

const levels = v.optional(v.pipe(v.string(), v.maxLength(200, "At most 200 characters.")), "");
const enabled = v.optional(v.boolean(), false);

/** The thresholds form: per rule, on/off and its levels as typed ("60, 80, 100"). */
export const SaveAlertRulesInput = v.object({
  itemQuotaEnabled: enabled,
  itemQuotaLevels: levels,
  codeFailuresEnabled: enabled,
  codeFailuresLevels: levels,
  expiryEnabled: enabled,
  expiryLevels: levels,
});
export type SaveAlertRulesInput = v.InferInput<typeof SaveAlertRulesInput>;

const FIELDS = {
  "item-quota": { enabled: "itemQuotaEnabled", levels: "itemQuotaLevels", max: 1000 },
  "code-failures": { enabled: "codeFailuresEnabled", levels: "codeFailuresLevels", max: 100 },
  expiry: { enabled: "expiryEnabled", levels: "expiryLevels", max: 3650 },
} as const;

/**
 * Saves every rule's switch and levels at once (VALIDATION naming each bad field; nothing saved).
 * Levels take effect at the engine's next run. Audit `alert-rules.changed`.
 */
export function saveAlertRules(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: SaveAlertRulesInput): void {
  const input = parseInput(SaveAlertRulesInput, raw);
  const errors: Record<string, string> = {};
  const parsed = ALERT_RULES.map((rule) => {
    const f = FIELDS[rule];
    const result = parseLevels(input[f.levels], f.max);
    if (!result.ok) errors[f.levels] = result.problem;
    return { rule, enabled: input[f.enabled], levels: result.ok ? result.value : [] };
  });
  if (Object.keys(errors).length > 0) throw validationError(errors);
  transaction(ctx.db, (tx) => {
    const at = ctx.clock.now().getTime();
    for (const r of parsed) {
      tx.insert(alertRules)
        .values({ ...r, updatedAt: at })
        .onConflictDoUpdate({ target: alertRules.rule, set: { enabled: r.enabled, levels: r.levels, updatedAt: at } })
        .run();
    }
    recordAuditEvent(tx, new Date(at), ctx.actor, "alert-rules.changed", Object.fromEntries(parsed.map((r) => [r.rule, r.enabled ? r.levels : "off"])));
  });
}
