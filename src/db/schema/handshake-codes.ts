import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { licenseItems } from "./licenses";

/**
 * Handshake codes `{organizationId}-{suffix}`: what an app's license key names to be served.
 * Each organization has one default code (used when a client sends only its organization id).
 */
export const handshakeCodes = sqliteTable(
  "handshake_codes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** `{organizationId}-{suffix}`; immutable once created. */
    code: text("code").notNull(),
    organizationId: text("organization_id").notNull(),
    suffix: text("suffix").notNull(),
    name: text("name").notNull(),
    isDefault: integer("is_default", { mode: "boolean" }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    uniqueIndex("handshake_codes_code").on(t.code),
    uniqueIndex("handshake_codes_one_default").on(t.organizationId).where(sql`${t.isDefault} = 1`),
  ],
);

/** Which items a code may consume, in its consumption order (position ascending). */
export const handshakeCodeItems = sqliteTable(
  "handshake_code_items",
  {
    codeId: integer("code_id")
      .notNull()
      .references(() => handshakeCodes.id, { onDelete: "cascade" }),
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
  },
  (t) => [primaryKey({ columns: [t.codeId, t.itemRowId] }), index("handshake_code_items_item").on(t.itemRowId)],
);
