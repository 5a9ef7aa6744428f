import { check, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";

/**
 * One row that names the data dir this database belongs to. The same id is in the data dir's
 * `instance-id` file; a database whose id differs (or a missing database beside that file) is
 * refused at start instead of being treated as a fresh install.
 */
export const instance = sqliteTable(
  "instance",
  {
    id: integer("id").primaryKey(),
    instanceId: text("instance_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [check("instance_single_row", sql`${t.id} = 1`)],
);
