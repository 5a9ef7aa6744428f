import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const CHARGE_WAYS = ["device", "concurrent-device", "concurrent-instance", "scan", "page", "domain"] as const;

/** One imported, activated license file. Re-activation for new UUIDs updates it in place. */
export const licenses = sqliteTable(
  "licenses",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The vendor's license id (digits), unique per issuer. */
    licenseId: text("license_id").notNull(),
    issuerKid: text("issuer_kid").notNull(),
    /** Signed by the repository's demo issuer (shown with a badge). */
    demoIssuer: integer("demo_issuer", { mode: "boolean" }).notNull(),
    alias: text("alias").notNull(),
    organizationId: text("organization_id").notNull(),
    licensee: text("licensee").notNull(),
    /** The 1–2 server UUIDs the license is activated for (a JSON array). */
    boundUuids: text("bound_uuids", { mode: "json" }).$type<string[]>().notNull(),
    issuedAt: integer("issued_at", { mode: "timestamp_ms" }).notNull(),
    activatedAt: integer("activated_at", { mode: "timestamp_ms" }).notNull(),
    /** SHA-256 (hex) of the signed payload text: the same file again is a no-op. */
    payloadSha256: text("payload_sha256").notNull(),
    /** The armored file as imported, kept for export and audit. */
    fileText: text("file_text").notNull(),
    importedAt: integer("imported_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("licenses_issuer_license").on(t.issuerKid, t.licenseId), index("licenses_organization").on(t.organizationId)],
);

/** The items of a license: what the customer bought, and how it is charged. */
export const licenseItems = sqliteTable(
  "license_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    licenseRowId: integer("license_row_id")
      .notNull()
      .references(() => licenses.id, { onDelete: "cascade" }),
    /** The vendor's item id (digits), unique per issuer. */
    itemId: text("item_id").notNull(),
    issuerKid: text("issuer_kid").notNull(),
    description: text("description").notNull(),
    product: text("product").notNull(),
    /** Major version. */
    version: integer("version").notNull(),
    edition: text("edition").notNull(),
    /** e.g. ["browser","server"] (a JSON array). */
    deploymentTypes: text("deployment_types", { mode: "json" }).$type<string[]>().notNull(),
    chargeWay: text("charge_way", { enum: CHARGE_WAYS }).notNull(),
    quantity: integer("quantity").notNull(),
    /** Active window for `device` items: 365, 90, 30 or 1 days. */
    windowDays: integer("window_days"),
    startsAt: integer("starts_at", { mode: "timestamp_ms" }).notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    graceDays: integer("grace_days").notNull(),
    /** Module names, may be empty (a JSON array). */
    modules: text("modules", { mode: "json" }).$type<string[]>().notNull(),
    /** Set when a revocation for this item was imported. */
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("license_items_issuer_item").on(t.issuerKid, t.itemId), index("license_items_license").on(t.licenseRowId)],
);
