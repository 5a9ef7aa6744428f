import { and, desc, eq, gte, like, lt, or, sql, type SQL } from "drizzle-orm";
import * as v from "valibot";
import { AUDIT_ACTORS, auditEvents } from "../../db/schema";
import { DAY_MS } from "../../domain/slots";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

export type AuditEvent = typeof auditEvents.$inferSelect;

const day = v.pipe(v.string(), v.trim(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "Enter a date as YYYY-MM-DD."), v.check((d) => !Number.isNaN(Date.parse(d)), "This is not a date."));
const optional = <S extends v.GenericSchema<string, unknown>>(schema: S) => v.optional(v.union([v.literal(""), schema]), "");

/** The Audit log page's filter, as typed (empty = no filter). */
export const AuditFilter = v.object({
  /** An action (`login.failed`) or a prefix of one (`login`, `backup.`): whole dotted words. */
  action: optional(v.pipe(v.string(), v.trim(), v.maxLength(64, "This is too long."), v.regex(/^[a-z0-9.-]*$/, "Use an action such as login.failed, or a prefix such as login."))),
  actor: optional(v.picklist(AUDIT_ACTORS, `Choose one of ${AUDIT_ACTORS.join(", ")}.`)),
  /** From this day on (UTC), inclusive. */
  from: optional(day),
  /** Up to this day (UTC), inclusive. */
  to: optional(day),
});
export type AuditFilter = v.InferInput<typeof AuditFilter>;

/** Where a page ends: the (at, id) of its last row; the next page starts strictly after it. */
export interface AuditCursor {
  at: number;
  id: number;
}

/**
 * Audit events newest first, `limit` of them, optionally filtered and starting after `before`
 * (keyset paging on (at, id): each page costs what its rows cost, however long the history —
 * the index on `at` holds the rowid too, so SQLite walks it from the cursor). Home shows the
 * latest 10; the Audit log page pages by 50. Throws VALIDATION for a filter that does not parse.
 */
export function listAuditEvents(ctx: Pick<ServiceContext, "db">, input: { limit: number; filter?: Partial<Record<keyof AuditFilter, string>>; before?: AuditCursor | null }): AuditEvent[] {
  const filter = parseInput(AuditFilter, input.filter ?? {});
  const where: SQL[] = [];
  if (filter.action) {
    const escaped = filter.action.replace(/\.$/, "").replace(/[\\%_]/g, (c) => `\\${c}`);
    where.push(or(eq(auditEvents.action, filter.action.replace(/\.$/, "")), like(auditEvents.action, sql`${escaped + ".%"} ESCAPE '\\'`))!);
  }
  if (filter.actor) where.push(eq(auditEvents.actor, filter.actor));
  if (filter.from) where.push(gte(auditEvents.at, new Date(Date.parse(filter.from))));
  if (filter.to) where.push(lt(auditEvents.at, new Date(Date.parse(filter.to) + DAY_MS)));
  if (input.before) where.push(sql`(${auditEvents.at}, ${auditEvents.id}) < (${input.before.at}, ${input.before.id})`);
  return ctx.db
    .select()
    .from(auditEvents)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(input.limit)
    .all();
}
