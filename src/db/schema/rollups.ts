import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { handshakeCodes } from "./handshake-codes";
import { licenseItems } from "./licenses";

// Rollups: the usage tables summarised per UTC hour and per UTC day, written in the same
// transaction as the usage they summarise (src/services/usage/rollup-store.ts), so a statistics
// page reads a few hundred rows whatever the length of the history. A bucket is named by its
// start (UTC ms). Slot-level rows (usage_records, authorization_counts) are purged after their
// retention; hourly rows after theirs; daily rows are kept for ever (DESIGN.md, "Limits and retention").

/**
 * `month` buckets start on the 1st (UTC): long ranges read a dozen rows a year, not 365. `all` has
 * one bucket, 0: the totals of all history, so they cost nothing to read.
 */
export const ROLLUP_PERIODS = ["hour", "day", "month", "all"] as const;
export type RollupPeriod = (typeof ROLLUP_PERIODS)[number];

/**
 * What a rollup row counts:
 * - `consumed`: units reported, per counter name (scans, pages, module names); summed;
 * - `devices`: devices active that day (name ""): granted an authorization or reporting usage of
 *   that day; daily and monthly only; counted once per device and day from device_days (per item
 *   for an item, per item and device for a code);
 * - `peak-devices`, `peak-instances`: concurrent seats taken in the busiest slot; a maximum;
 * - `allowance`: device-slots drawn from a concurrent item's overuse allowance; summed;
 * - `domains`: domains in contact that day (name ""); daily only.
 */
export const ROLLUP_METRICS = ["consumed", "devices", "peak-devices", "peak-instances", "allowance", "domains"] as const;
export type RollupMetric = (typeof ROLLUP_METRICS)[number];

/** An item's usage, from every code that uses it. */
export const itemRollups = sqliteTable(
  "item_rollups",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    period: text("period", { enum: ROLLUP_PERIODS }).notNull(),
    bucket: integer("bucket").notNull(),
    metric: text("metric", { enum: ROLLUP_METRICS }).notNull(),
    name: text("name").notNull().default(""),
    value: integer("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemRowId, t.period, t.bucket, t.metric, t.name] })],
);

/** A code's usage: only what was made through that code (per item, so re-linking rewrites nothing). */
export const codeRollups = sqliteTable(
  "code_rollups",
  {
    codeId: integer("code_id")
      .notNull()
      .references(() => handshakeCodes.id, { onDelete: "cascade" }),
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    period: text("period", { enum: ROLLUP_PERIODS }).notNull(),
    bucket: integer("bucket").notNull(),
    metric: text("metric", { enum: ROLLUP_METRICS }).notNull(),
    name: text("name").notNull().default(""),
    value: integer("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.codeId, t.period, t.bucket, t.itemRowId, t.metric, t.name] })],
);

/** Result of an authorization in authorization_rollups: 0 granted, else the refusal's error code. */
export const GRANTED_RESULT = 0;
/** Refusals counted before refusals were told apart by error code (backfilled history). */
export const UNRECORDED_REFUSAL = -1;

/**
 * Authorizations per code name as the API counted them (the same buckets as authorization_counts:
 * unknown codes share one), per hour and day, by result.
 */
export const authorizationRollups = sqliteTable(
  "authorization_rollups",
  {
    code: text("code").notNull(),
    period: text("period", { enum: ROLLUP_PERIODS }).notNull(),
    bucket: integer("bucket").notNull(),
    result: integer("result").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.code, t.period, t.bucket, t.result] })],
);

/**
 * What one device did with one item through one code on one UTC day: the "by device" details of a
 * day, and where the daily `devices` rollups are counted (a new row is a device new that day).
 * Written in the same transaction as the usage (RollupStore.deviceDay): `authorizations` granted
 * that day, `reports` accepted with usage of that day (a late report counts on the days of its
 * slots), `units` reported for that day (all counter names together: they add up to the day's
 * consumption), and the first and last activity of the day (an authorization's time, a reported
 * slot's start). Slot-level detail: purged with usage_records (--usage-slot-days).
 * The table is WITHOUT ROWID (drizzle/0009_device_days.sql, edited by hand): the hot path's upsert
 * walks one B-tree, not a key index and then the row.
 */
export const deviceDays = sqliteTable(
  "device_days",
  {
    itemRowId: integer("item_row_id")
      .notNull()
      .references(() => licenseItems.id, { onDelete: "cascade" }),
    day: integer("day").notNull(),
    deviceUuid: text("device_uuid").notNull(),
    codeId: integer("code_id")
      .notNull()
      .references(() => handshakeCodes.id, { onDelete: "cascade" }),
    authorizations: integer("authorizations").notNull().default(0),
    reports: integer("reports").notNull().default(0),
    units: integer("units").notNull().default(0),
    firstAt: integer("first_at").notNull(),
    lastAt: integer("last_at").notNull(),
  },
  // An item's page reads the key in order (item, day, device); a code's page needs its own
  // index: the code's rows of a day are a few among every code's on a shared item, and its
  // items may since have been unlinked. It is written only when a row is new (once a day per device).
  (t) => [primaryKey({ columns: [t.itemRowId, t.day, t.deviceUuid, t.codeId] }), index("device_days_code").on(t.codeId, t.day, t.itemRowId, t.deviceUuid)],
);
