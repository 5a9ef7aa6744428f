import { check, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";

/** The single management password (argon2id PHC string). No row = first run. */
export const adminCredentials = sqliteTable(
  "admin_credentials",
  {
    id: integer("id").primaryKey(),
    passwordHash: text("password_hash").notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [check("admin_credentials_single_row", sql`${t.id} = 1`)],
);
