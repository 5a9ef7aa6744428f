import { and, eq } from "drizzle-orm";
import * as v from "valibot";
import { alertMutes, alertState, ALERT_RULES } from "../../db/schema";
import { transaction } from "../../db/transaction";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

export const SetAlertMuteInput = v.object({
  rule: v.picklist(ALERT_RULES, "Unknown alert rule."),
  /** An item's row id (item-quota, expiry) or a handshake code (code-failures). */
  subject: v.pipe(v.string(), v.minLength(1, "Name the item or code."), v.maxLength(200, "At most 200 characters.")),
  muted: v.boolean(),
});
export type SetAlertMuteInput = v.InferInput<typeof SetAlertMuteInput>;

/**
 * Switches one rule off (or on again) for one item or code. Switching it off forgets what fired,
 * so switching it on again judges the subject afresh. Audit `alert.muted` / `alert.unmuted`.
 */
export function setAlertMute(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, raw: SetAlertMuteInput): { changed: boolean } {
  const input = parseInput(SetAlertMuteInput, raw);
  return transaction(ctx.db, (tx) => {
    const at = ctx.clock.now();
    const where = and(eq(alertMutes.rule, input.rule), eq(alertMutes.subject, input.subject));
    const present = !!tx.select().from(alertMutes).where(where).get();
    if (present === input.muted) return { changed: false };
    if (input.muted) {
      tx.insert(alertMutes).values({ rule: input.rule, subject: input.subject, createdAt: at.getTime() }).run();
      tx.delete(alertState).where(and(eq(alertState.rule, input.rule), eq(alertState.subject, input.subject))).run();
    } else tx.delete(alertMutes).where(where).run();
    recordAuditEvent(tx, at, ctx.actor, input.muted ? "alert.muted" : "alert.unmuted", { rule: input.rule, subject: input.subject });
    return { changed: true };
  });
}
