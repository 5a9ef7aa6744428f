import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { handshakeCodes } from "./handshake-codes";
import { licenseItems } from "./licenses";

// Usage: what clients did against each item. Times are UTC ms; a slot is a 3-minute interval
// named by its start (ms). Counters only ever grow; nothing here is derived from a client's claim
// without the checks of src/domain/charge-ways.ts.

/**
 * A device known to an item: its contacts, and (for `device` items) until when it holds a seat.
 * A WITHOUT ROWID table (migration 0008; drizzle cannot say so), as `grants`: a lookup by key reads one b-tree.
 */
export const itemDevices = sqliteTable(
  "item_devices",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    deviceUuid: text("device_uuid").notNull(),
    deviceName: text("device_name"),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** last contact + windowDays for `device` items; the end of the held slot for concurrent ones. */
    activeUntil: integer("active_until").notNull(),
    /** The admin released the seat (DESIGN.md, "Devices"); a later contact makes it new again. */
    releasedAt: integer("released_at"),
    /** Counted in item_capacity.active_devices (`device` items): set when the seat is taken, cleared once when it lapses or is released. */
    counted: integer("counted", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.itemRowId, t.deviceUuid] }),
    // The one expiry index (a refresh moves active_until: every index on it is written again): the
    // lapsed counted rows, and a `device` item's active ones (counted = 1 AND active_until > now).
    index("item_devices_counted").on(t.itemRowId, t.counted, t.activeUntil),
    // The Devices page's keyset orders (newest/oldest contact, name search): a page reads a page.
    index("item_devices_last_seen").on(t.itemRowId, t.lastSeenAt, t.deviceUuid),
    index("item_devices_name").on(t.itemRowId, t.deviceName, t.deviceUuid),
  ],
);

/** Which code granted a device an item: a report is accepted only for such a grant. WITHOUT ROWID (migration 0008). */
export const grants = sqliteTable(
  "grants",
  {
    codeId: integer("code_id")
      .notNull()
      .references(() => handshakeCodes.id, { onDelete: "cascade" }),
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    deviceUuid: text("device_uuid").notNull(),
    firstGrantedAt: integer("first_granted_at").notNull(),
    lastGrantedAt: integer("last_granted_at").notNull(),
  },
  // (code, device, item): "has this device any grant of the code?" is a prefix of the key (code_counters).
  (t) => [primaryKey({ columns: [t.codeId, t.deviceUuid, t.itemRowId] }), index("grants_item").on(t.itemRowId)],
);

/** Distinct devices granted per code (the Configurations page's Devices column), kept with the grants. */
export const codeCounters = sqliteTable("code_counters", {
  codeId: integer("code_id")
    .primaryKey()
    .references(() => handshakeCodes.id, { onDelete: "cascade" }),
  /** Devices holding at least one grant of the code: a count of distinct grants.device_uuid, never recounted. */
  devices: integer("devices").notNull().default(0),
});

/** Concurrent seats: one row per device per slot it occupies, with its instance count. */
export const concurrentSeats = sqliteTable(
  "concurrent_seats",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    slot: integer("slot").notNull(),
    deviceUuid: text("device_uuid").notNull(),
    instances: integer("instances").notNull(),
    /** This device-slot went beyond the quantity and drew on the allowance. */
    overAllowance: integer("over_allowance", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.itemRowId, t.slot, t.deviceUuid] }), index("concurrent_seats_device").on(t.itemRowId, t.deviceUuid, t.slot)],
);

/** Seats taken per concurrent item and slot: a summary of concurrent_seats kept in the same transaction (kept ≥ 35 days). */
export const slotOccupancy = sqliteTable(
  "slot_occupancy",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    slot: integer("slot").notNull(),
    /** Devices holding a seat in the slot (rows of concurrent_seats). */
    devices: integer("devices").notNull().default(0),
    /** Their instances (the sum of concurrent_seats.instances). */
    instances: integer("instances").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.itemRowId, t.slot] })],
);

/** Per item counters: scan/page consumption, and allowance drawn per license year. */
export const itemCounters = sqliteTable(
  "item_counters",
  {
    itemRowId: integer("item_row_id")
      .primaryKey()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    /** Scans or pages consumed (scan and page items). */
    consumed: integer("consumed").notNull().default(0),
  },
);

/** What the capacity checks of `device` and `domain` items read: counts kept with the rows, never recounted. */
export const itemCapacity = sqliteTable("item_capacity", {
  itemRowId: integer("item_row_id")
    .primaryKey()
    .references(() => licenseItems.id, { onDelete: "cascade" }),
  /** Devices with item_devices.counted set: the active devices of a `device` item, lapsed ones not yet expired. */
  activeDevices: integer("active_devices").notNull().default(0),
  /** Domains with item_domains.counted set: the active domains of a `domain` item, lapsed ones not yet expired. */
  activeDomains: integer("active_domains").notNull().default(0),
});

/** Extra device-slots drawn from a concurrent item's yearly allowance (1000 × quantity a year). */
export const allowanceUsage = sqliteTable(
  "allowance_usage",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    /** License year since activation: 0 for the first 365 days, and so on. */
    licenseYear: integer("license_year").notNull(),
    used: integer("used").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.itemRowId, t.licenseYear] })],
);

/** Distinct domains seen by `domain` items. */
export const itemDomains = sqliteTable(
  "item_domains",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    domain: text("domain").notNull(),
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** Counted in item_capacity.active_domains: set at a contact, cleared once when the domain lapses or is released. */
    counted: integer("counted", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.itemRowId, t.domain] }),
    // As item_devices_counted: the lapsed counted domains, and the active ones (counted = 1 AND last_seen_at > since).
    index("item_domains_counted").on(t.itemRowId, t.counted, t.lastSeenAt),
    // The Devices page's domain list, newest contact first.
    index("item_domains_last_seen").on(t.itemRowId, t.lastSeenAt, t.domain),
  ],
);

/** Reports already counted, by (device, reportId): a repeat gets the first answer again. */
export const reports = sqliteTable(
  "reports",
  {
    deviceUuid: text("device_uuid").notNull(),
    reportId: text("report_id").notNull(),
    /** SHA-256 of the canonical JSON of the records: the same id with other records is refused. */
    recordsHash: text("records_hash").notNull(),
    /** The first answer's body without serverTime/nonce, as JSON. */
    response: text("response").notNull(),
    httpStatus: integer("http_status").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceUuid, t.reportId] }), index("reports_received").on(t.receivedAt)],
);

/** What clients reported, per item, code, slot and counter name (modules, scans, pages). */
export const usageRecords = sqliteTable(
  "usage_records",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    codeId: integer("code_id")
      .notNull()
      .references(() => handshakeCodes.id, { onDelete: "cascade" }),
    slot: integer("slot").notNull(),
    name: text("name").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemRowId, t.codeId, t.slot, t.name] })],
);

/** Authorizations per code and slot, granted and refused (statistics, failed-authorization alert). */
export const authorizationCounts = sqliteTable(
  "authorization_counts",
  {
    /** The code as the client gave it (it may not exist). */
    code: text("code").notNull(),
    slot: integer("slot").notNull(),
    granted: integer("granted").notNull().default(0),
    refused: integer("refused").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.code, t.slot] })],
);
