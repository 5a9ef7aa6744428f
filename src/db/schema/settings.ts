import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Server-wide settings the admin changes (e.g. `server.mainUrl`), as text. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});
