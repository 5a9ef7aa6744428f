import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const AUDIT_ACTORS = ["admin", "console", "anonymous", "system"] as const;
export type AuditActor = (typeof AUDIT_ACTORS)[number];

/** What happened, by whom and from where. Written in the same transaction as the change. */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    actor: text("actor", { enum: AUDIT_ACTORS }).notNull(),
    /** Dotted verb, e.g. `login.failed`, `password.changed`. */
    action: text("action").notNull(),
    ip: text("ip"),
    /** JSON object with details; never a secret. */
    detail: text("detail"),
  },
  (t) => [index("audit_events_at").on(t.at)],
);
