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
    /**
     * The session password, encrypted with the instance secret (AES-256-GCM, base64url of
     * iv‖ciphertext‖tag) so license keys can be regenerated; null = none.
     */
    sessionPasswordEnc: text("session_password_enc"),
    /** HMAC-SHA-256 (instance secret) of the session password, compared in constant time. */
    sessionPasswordMac: text("session_password_mac"),
    /** The validation fields (JSON arrays); empty = not checked. */
    validationDomains: text("validation_domains", { mode: "json" }).$type<string[]>().notNull().default([]),
    validationAppIds: text("validation_app_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
    validationProcessNames: text("validation_process_names", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** The admin reordered the items; otherwise DESIGN.md's default consumption order applies. */
    customOrder: integer("custom_order", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    /** Last change of anything a client sees (answered as handshakeUpdatedAt). */
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull().default(sql`0`),
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
