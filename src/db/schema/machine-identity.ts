import { sql } from "drizzle-orm";
import { check, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The hardware binding the admin chose (Generate UUID): which labels, the UUID derived from them,
 * and a SHA-256 of each label's value, so a later mismatch can name the label that changed
 * without storing the raw serials. One row; none until a UUID is generated.
 */
export const machineIdentity = sqliteTable(
  "machine_identity",
  {
    id: integer("id").primaryKey(),
    uuid: text("uuid").notNull(),
    /** Label names, e.g. ["machine-id","mac"] (a JSON array). */
    labels: text("labels", { mode: "json" }).$type<string[]>().notNull(),
    /** Label name → hex SHA-256 of the value used (a JSON object). */
    labelDigests: text("label_digests", { mode: "json" }).$type<Record<string, string>>().notNull(),
    customIdFile: text("custom_id_file"),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [check("machine_identity_single_row", sql`${t.id} = 1`)],
);
