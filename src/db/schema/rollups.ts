import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
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
 * - `devices`: devices in contact that day (name ""); daily only; summed once per device and day;
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
