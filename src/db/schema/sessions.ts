import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Portal sessions. Only SHA-256 of the cookie's token is stored. */
export const sessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    /** Synchronizer token for forms posted without htmx. */
    csrfToken: text("csrf_token").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_last_seen_at").on(t.lastSeenAt)],
);
