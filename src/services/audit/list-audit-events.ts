import { desc } from "drizzle-orm";
import { auditEvents } from "../../db/schema";
import type { ServiceContext } from "../context";

export type AuditEvent = typeof auditEvents.$inferSelect;

/** The newest audit events first. */
export function listAuditEvents(ctx: Pick<ServiceContext, "db">, input: { limit: number }): AuditEvent[] {
  return ctx.db.select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(input.limit).all();
}
