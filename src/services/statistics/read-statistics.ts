import type { Database } from "bun:sqlite";
import { AppError } from "../../domain/errors";
import type { LicenseItemView } from "../../domain/license-item";
import { DAY_MS, HOUR_MS } from "../../domain/slots";
import {
  dayStart,
  DETAIL_PAGE_SIZE,
  DEVICE_PAGE_SIZE,
  type DetailGroup,
  type DeviceCursor,
  metricsFor,
  parseStatsQuery,
  type StatsData,
  type StatsDevicePage,
  type StatsDeviceRow,
  type StatsLine,
  type StatsMetric,
  type StatsQuery,
  type StatsShare,
} from "../../domain/statistics";
import type { ServiceContext } from "../context";
import { listItems } from "../items";

/** The most days a chart (and its table) shows one by one; longer ranges are drawn per month. */
export const MAX_POINTS = 400;

function monthOf(ms: number): number {
  const at = new Date(ms);
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
}
export function nextMonth(ms: number): number {
  const at = new Date(ms);
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
}

/** What the statistics need of an item (the cards show more: statisticsCards). */
export interface StatsItem {
  rowId: number;
  itemId: string;
  chargeWay: string;
  quantity: number;
}

/** Whose statistics a page shows: a handshake code (only its own usage) or an item (every code's). */
export type StatsSubject =
  | { kind: "code"; codeId: number; code: string; name: string; items: StatsItem[]; metrics: StatsMetric[] }
  | { kind: "item"; itemRowId: number; itemId: string; items: StatsItem[]; metrics: StatsMetric[] };

const ITEM_COLUMNS = `i.id AS rowId, i.item_id AS itemId, i.charge_way AS chargeWay, i.quantity`;

/**
 * Finds the subject of a statistics page: `{ code }` by its name, or `{ item }` by row id. A code's
 * items are those linked to it now; its history stays whatever items it had then.
 */
export function statisticsSubject(ctx: Pick<ServiceContext, "db">, of: { code: string } | { item: number }): StatsSubject {
  const db = ctx.db.$client;
  if ("item" in of) {
    const item = db.query(`SELECT ${ITEM_COLUMNS} FROM license_items i WHERE i.id = ?`).get(of.item) as StatsItem | null;
    if (!item) throw new AppError("NOT_FOUND", "There is no such license item. Open its statistics from License Items.");
    return { kind: "item", itemRowId: item.rowId, itemId: item.itemId, items: [item], metrics: metricsFor("item", [item.chargeWay]) };
  }
  const row = db.query(`SELECT id, code, name FROM handshake_codes WHERE code = ?`).get(of.code) as { id: number; code: string; name: string } | null;
  if (!row) throw new AppError("NOT_FOUND", `There is no handshake code ${of.code}. Open its statistics from Configurations.`);
  const items = db.query(`SELECT ${ITEM_COLUMNS} FROM handshake_code_items ci JOIN license_items i ON i.id = ci.item_row_id WHERE ci.code_id = ? ORDER BY ci.position`).all(row.id) as StatsItem[];
  return { kind: "code", codeId: row.id, code: row.code, name: row.name, items, metrics: metricsFor("code", items.map((i) => i.chargeWay)) };
}

/** The cards of a statistics page: its items as License Items shows them (the same Used figure). */
export function statisticsCards(ctx: Pick<ServiceContext, "db" | "clock">, subject: StatsSubject): LicenseItemView[] {
  const rowIds = new Set(subject.items.map((i) => i.rowId));
  if (rowIds.size === 0) return [];
  return listItems(ctx, { now: ctx.clock.now(), showExpired: true, showRevoked: true }).filter((i) => rowIds.has(i.rowId));
}

/** Reads a statistics query string for a subject (errors say which value to fix). */
export function statisticsQuery(ctx: Pick<ServiceContext, "clock">, subject: StatsSubject, params: Record<string, string | undefined>): StatsQuery {
  return parseStatsQuery(params, ctx.clock.now().getTime(), subject.metrics);
}

/** How long the per-device rows of a day are kept: --usage-slot-days (they go with the slot-level rows). */
export interface DeviceDetailRetention {
  slotDays: number;
}

/**
 * The data of one statistics view, read from the rollups only: daily rows for the range, the
 * all-time row for "all history", hourly rows for one day's details, one page of device_days rows
 * for a day's devices. Its cost follows the number of days (or devices) shown, never the amount of
 * usage behind them.
 */
export function readStatistics(ctx: Pick<ServiceContext, "db" | "clock">, subject: StatsSubject, q: StatsQuery, retention: DeviceDetailRetention): StatsData {
  const r = new RollupReader(ctx.db.$client, subject);
  const today = dayStart(ctx.clock.now().getTime());
  const from = q.from ?? Math.min(r.firstDay() ?? today, q.to);
  // A range longer than MAX_POINTS days is drawn per month from the monthly rollups: ten years
  // read and draw 120 points, what one year costs per day.
  const monthly = Math.round((q.to - from) / DAY_MS) + 1 > MAX_POINTS;
  const period = monthly ? "month" : "day";
  const start = monthly ? monthOf(from) : from;
  const days: number[] = [];
  for (let d = start; d <= q.to; d = monthly ? nextMonth(d) : d + DAY_MS) days.push(d);
  const series = (rows: { bucket: number; value: number }[]) => {
    const byBucket = new Map(rows.map((x) => [x.bucket, x.value]));
    return days.map((d) => byBucket.get(d) ?? 0);
  };
  const span = [start, q.to] as const;

  let lines: StatsLine[] = [];
  let limit: number | null = null;
  let peak = false;
  const breakdowns: StatsData["breakdowns"] = [];
  switch (q.metric) {
    case "consumption":
      lines = [{ label: "Units reported", values: series(r.daily("consumed", ...span, period)) }];
      breakdowns.push(
        { title: "All history", shares: r.byName("all", 0, 0) },
        { title: "Selected range", shares: r.byName(period, ...span) },
        { title: "Today", shares: r.byName("day", today, today) },
      );
      break;
    case "devices":
      lines = [{ label: "Active devices", values: series(r.daily("devices", ...span, period)) }];
      break;
    case "domains":
      lines = [{ label: "Active domains", values: series(r.daily("domains", ...span, period)) }];
      break;
    case "concurrency": {
      const item = subject.items[0]!;
      peak = true;
      limit = item.quantity;
      const metric = item.chargeWay === "concurrent-instance" ? "peak-instances" : "peak-devices";
      lines = [
        { label: item.chargeWay === "concurrent-instance" ? "Peak instances" : "Peak seats", values: series(r.daily(metric, ...span, period)) },
        { label: "Allowance drawn", values: series(r.daily("allowance", ...span, period)) },
      ];
      break;
    }
    case "authorizations": {
      const rows = r.authorizations(period, ...span);
      lines = [
        { label: "Granted", values: series(rows.filter((x) => x.result === 0)) },
        { label: "Refused", values: series(sumBy(rows.filter((x) => x.result !== 0))) },
      ];
      breakdowns.push({ title: "Refusals by error code", shares: refusalShares(rows) });
      break;
    }
  }
  const first = lines[0]?.values ?? [];
  const total = peak ? Math.max(0, ...first) : first.reduce((s, v) => s + v, 0);
  return { metric: q.metric, days, grain: period, lines, limit, total, peak, breakdowns, details: q.day === null ? null : details(r, subject, q, q.day, today, retention) };
}

/** The detail groupings a metric offers for a day (each row adds up to the day's figure). */
export function detailGroups(subject: StatsSubject, metric: StatsMetric): DetailGroup[] {
  switch (metric) {
    case "consumption":
      return subject.kind === "code" ? ["hour", "counter", "item", "device"] : ["hour", "counter", "device"];
    case "authorizations":
      return ["hour", "result", "device"];
    case "devices":
      return ["device", "item"];
    case "concurrency":
      return ["hour"];
    default:
      return ["item"];
  }
}

function details(r: RollupReader, subject: StatsSubject, q: StatsQuery, day: number, today: number, retention: DeviceDetailRetention): NonNullable<StatsData["details"]> {
  const groups = detailGroups(subject, q.metric);
  const group = groups.includes(q.group) ? q.group : groups[0]!;
  if (group === "device") {
    const devices = devicePage(r, subject, q, day, day >= today - retention.slotDays * DAY_MS, retention.slotDays);
    return { day, group, groups, columns: ["Authorizations", "Reports", "Units"], rows: [], allRows: [], page: 1, pages: 1, total: [], devices };
  }
  const hourLabel = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)}–${new Date(ms + HOUR_MS).toISOString().slice(11, 16)}`;
  const itemLabel = (rowId: number) => subject.items.find((i) => i.rowId === rowId)?.itemId ?? `item #${rowId}`;
  let columns: string[] = [];
  let all: { label: string; values: number[] }[] = [];
  switch (q.metric) {
    case "consumption":
      columns = ["Units"];
      if (group === "hour") all = r.hourly("consumed", day).map((x) => ({ label: hourLabel(x.bucket), values: [x.value] }));
      else if (group === "counter") all = r.byName("day", day, day).map((x) => ({ label: x.name, values: [x.value] }));
      else all = r.byItem("consumed", day).map((x) => ({ label: itemLabel(x.itemRowId), values: [x.value] }));
      break;
    case "devices":
    case "domains":
      columns = [q.metric === "devices" ? "Active devices" : "Active domains"];
      all = r.byItem(q.metric, day).map((x) => ({ label: itemLabel(x.itemRowId), values: [x.value] }));
      break;
    case "concurrency": {
      const metric = subject.items[0]?.chargeWay === "concurrent-instance" ? "peak-instances" : "peak-devices";
      columns = ["Peak", "Allowance drawn"];
      const allowance = new Map(r.hourly("allowance", day).map((x) => [x.bucket, x.value]));
      all = r.hourly(metric, day).map((x) => ({ label: hourLabel(x.bucket), values: [x.value, allowance.get(x.bucket) ?? 0] }));
      break;
    }
    case "authorizations": {
      const rows = r.authorizations(group === "hour" ? "hour" : "day", group === "hour" ? day : day, group === "hour" ? day + DAY_MS - 1 : day);
      if (group === "hour") {
        columns = ["Granted", "Refused"];
        const hours = [...new Set(rows.map((x) => x.bucket))].sort((a, b) => a - b);
        all = hours.map((h) => {
          const at = rows.filter((x) => x.bucket === h);
          return { label: hourLabel(h), values: [at.filter((x) => x.result === 0).reduce((s, x) => s + x.value, 0), at.filter((x) => x.result !== 0).reduce((s, x) => s + x.value, 0)] };
        });
      } else {
        columns = ["Count"];
        all = rows.map((x) => ({ label: resultLabel(x.result), values: [x.value] }));
      }
      break;
    }
  }
  const pages = Math.max(1, Math.ceil(all.length / DETAIL_PAGE_SIZE));
  const page = Math.min(q.page, pages);
  const combine = q.metric === "concurrency" ? [Math.max, (a: number, b: number) => a + b] : columns.map(() => (a: number, b: number) => a + b);
  const total = columns.map((_, i) => all.reduce((s, row) => combine[i]!(s, row.values[i] ?? 0), 0));
  return { day, group, groups, columns, rows: all.slice((page - 1) * DETAIL_PAGE_SIZE, page * DETAIL_PAGE_SIZE), allRows: all, page, pages, total, devices: null };
}

/**
 * One page of a day's devices, by key (q.after, q.before): DEVICE_PAGE_SIZE rows and one more to
 * tell whether another page follows. The figures they add up to come from the rollups, so nothing
 * here reads more than a page. A day older than the per-device retention reads nothing.
 */
function devicePage(r: RollupReader, subject: StatsSubject, q: StatsQuery, day: number, kept: boolean, keptDays: number): StatsDevicePage {
  const figures = { devices: sumOf(r.daily("devices", day, day)), units: sumOf(r.daily("consumed", day, day)) };
  const perItem = subject.kind === "code";
  if (!kept) return { kept, keptDays, perItem, rows: [], previous: null, next: null, ...figures, all: [] };
  const backwards = q.before !== null;
  const read = r.devicesOfDay(day, q.before ?? q.after ?? FIRST_KEY, backwards ? "before" : "after", DEVICE_PAGE_SIZE + 1);
  const more = read.length > DEVICE_PAGE_SIZE;
  const rows = read.slice(0, DEVICE_PAGE_SIZE);
  if (backwards) rows.reverse();
  const key = (row: StatsDeviceRow | undefined): DeviceCursor | null => (row ? { itemRowId: row.itemRowId, deviceUuid: row.deviceUuid } : null);
  // Going forward, a page reached by a key has one before it; going back, one after it.
  const previous = backwards ? (more ? key(rows[0]) : null) : q.after ? key(rows[0]) : null;
  const next = backwards || more ? key(rows.at(-1)) : null;
  return { kept, keptDays, perItem, rows, previous, next, ...figures, all: r.allDevicesOfDay(day) };
}

/** Before every key: the first page. */
const FIRST_KEY: DeviceCursor = { itemRowId: 0, deviceUuid: "" };

function sumOf(rows: { value: number }[]): number {
  return rows.reduce((s, x) => s + x.value, 0);
}

/** "Granted", "106", or "Refused (code not recorded)" for history from before refusals were told apart. */
export function resultLabel(result: number): string {
  return result === 0 ? "Granted" : result < 0 ? "Refused (code not recorded)" : `Refused ${result}`;
}

function refusalShares(rows: { result: number; value: number }[]): StatsShare[] {
  const by = new Map<number, number>();
  for (const x of rows) if (x.result !== 0) by.set(x.result, (by.get(x.result) ?? 0) + x.value);
  return [...by].sort((a, b) => b[1] - a[1]).map(([result, value]) => ({ name: result < 0 ? "not recorded" : String(result), value }));
}

function sumBy(rows: { bucket: number; value: number }[]): { bucket: number; value: number }[] {
  const by = new Map<number, number>();
  for (const x of rows) by.set(x.bucket, (by.get(x.bucket) ?? 0) + x.value);
  return [...by].map(([bucket, value]) => ({ bucket, value }));
}

/** The rollup queries of one subject: every one walks the owner's primary key over a bucket range. */
class RollupReader {
  readonly #table: string;
  readonly #owner: string;
  readonly #id: number;
  readonly #code: string | null;
  readonly #itemColumn: string;
  readonly #itemId: string;
  constructor(
    private readonly db: Database,
    subject: StatsSubject,
  ) {
    this.#table = subject.kind === "code" ? "code_rollups" : "item_rollups";
    this.#owner = subject.kind === "code" ? "code_id" : "item_row_id";
    this.#id = subject.kind === "code" ? subject.codeId : subject.itemRowId;
    this.#code = subject.kind === "code" ? subject.code : null;
    this.#itemColumn = "item_row_id";
    this.#itemId = subject.kind === "item" ? subject.itemId : "";
  }

  firstDay(): number | null {
    const row = this.db.query(`SELECT min(bucket) AS first FROM ${this.#table} WHERE ${this.#owner} = ? AND period = 'day'`).get(this.#id) as { first: number | null };
    const auth = this.#code === null ? null : (this.db.query(`SELECT min(bucket) AS first FROM authorization_rollups WHERE code = ? AND period = 'day'`).get(this.#code) as { first: number | null }).first;
    const firsts = [row.first, auth].filter((x): x is number => x !== null);
    return firsts.length ? Math.min(...firsts) : null;
  }
  daily(metric: string, from: number, to: number, period: "day" | "month" = "day"): { bucket: number; value: number }[] {
    const agg = metric.startsWith("peak-") ? "max" : "sum";
    return this.db
      .query(`SELECT bucket, ${agg}(value) AS value FROM ${this.#table} WHERE ${this.#owner} = ? AND period = ? AND bucket BETWEEN ? AND ? AND metric = ? GROUP BY bucket`)
      .all(this.#id, period, from, to, metric) as { bucket: number; value: number }[];
  }
  hourly(metric: string, day: number): { bucket: number; value: number }[] {
    const agg = metric.startsWith("peak-") ? "max" : "sum";
    return this.db
      .query(`SELECT bucket, ${agg}(value) AS value FROM ${this.#table} WHERE ${this.#owner} = ? AND period = 'hour' AND bucket BETWEEN ? AND ? AND metric = ? GROUP BY bucket ORDER BY bucket`)
      .all(this.#id, day, day + DAY_MS - 1, metric) as { bucket: number; value: number }[];
  }
  byName(period: "day" | "month" | "all", from: number, to: number): StatsShare[] {
    return this.db
      .query(`SELECT name, sum(value) AS value FROM ${this.#table} WHERE ${this.#owner} = ? AND period = ? AND bucket BETWEEN ? AND ? AND metric = 'consumed' GROUP BY name ORDER BY 2 DESC, 1`)
      .all(this.#id, period, from, to) as StatsShare[];
  }
  byItem(metric: string, day: number): { itemRowId: number; value: number }[] {
    return this.db
      .query(`SELECT ${this.#itemColumn} AS itemRowId, sum(value) AS value FROM ${this.#table} WHERE ${this.#owner} = ? AND period = 'day' AND bucket = ? AND metric = ? GROUP BY 1 ORDER BY 1`)
      .all(this.#id, day, metric) as { itemRowId: number; value: number }[];
  }
  /**
   * Up to `limit` of a day's device rows after (or before, nearest first) `key`, in the order
   * (item, device): a range of device_days' key on an item's page (one row per device, its codes
   * summed), of the index device_days_code on a code's page (one row per item and device).
   */
  devicesOfDay(day: number, key: DeviceCursor, direction: "after" | "before", limit: number): StatsDeviceRow[] {
    const [op, order] = direction === "after" ? [">", "ASC"] : ["<", "DESC"];
    const name = `(SELECT device_name FROM item_devices v WHERE v.item_row_id = d.item_row_id AND v.device_uuid = d.device_uuid) AS name`;
    if (this.#code === null) {
      return this.db
        .query(
          `SELECT d.item_row_id AS itemRowId, d.device_uuid AS deviceUuid, ${name}, sum(d.authorizations) AS authorizations, sum(d.reports) AS reports,
             sum(d.units) AS units, min(d.first_at) AS firstAt, max(d.last_at) AS lastAt
           FROM device_days d WHERE d.item_row_id = ?1 AND d.day = ?2 AND d.device_uuid ${op} ?3 GROUP BY d.device_uuid ORDER BY d.device_uuid ${order} LIMIT ?4`,
        )
        .all(this.#id, day, key.deviceUuid, limit)
        .map((row) => ({ ...(row as StatsDeviceRow), itemId: this.#itemId }));
    }
    return this.db
      .query(
        `SELECT d.item_row_id AS itemRowId, (SELECT item_id FROM license_items WHERE id = d.item_row_id) AS itemId, d.device_uuid AS deviceUuid, ${name},
           d.authorizations, d.reports, d.units, d.first_at AS firstAt, d.last_at AS lastAt
         FROM device_days d WHERE d.code_id = ?1 AND d.day = ?2 AND (d.item_row_id, d.device_uuid) ${op} (?3, ?4)
         ORDER BY d.item_row_id ${order}, d.device_uuid ${order} LIMIT ?5`,
      )
      .all(this.#id, day, key.itemRowId, key.deviceUuid, limit) as StatsDeviceRow[];
  }
  /** Every device row of a day, read a page of 500 at a time as it is iterated. */
  *allDevicesOfDay(day: number): Generator<StatsDeviceRow> {
    let key = FIRST_KEY;
    while (true) {
      const rows = this.devicesOfDay(day, key, "after", 500);
      yield* rows;
      if (rows.length < 500) return;
      const last = rows.at(-1)!;
      key = { itemRowId: last.itemRowId, deviceUuid: last.deviceUuid };
    }
  }
  authorizations(period: "hour" | "day" | "month", from: number, to: number): { bucket: number; result: number; value: number }[] {
    if (this.#code === null) return [];
    return this.db
      .query(`SELECT bucket, result, count AS value FROM authorization_rollups WHERE code = ? AND period = ? AND bucket BETWEEN ? AND ? ORDER BY bucket, result`)
      .all(this.#code, period, from, to) as { bucket: number; result: number; value: number }[];
  }
}
