import { desc } from "drizzle-orm";
import type { Db } from "../../db/client";
import { auditEvents } from "../../db/schema";

export type AuditEvent = typeof auditEvents.$inferSelect;

/** The newest audit events first. */
export function listAuditEvents(db: Db, input: { limit: number }): AuditEvent[] {
  return db.select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(input.limit).all();
}
