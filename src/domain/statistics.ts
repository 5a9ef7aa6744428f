import { DAY_MS } from "./slots";
import { AppError } from "./errors";

/**
 * What a statistics page shows (domain-notes §2.9): a range of UTC days, a metric, and optionally
 * the details of one day. All of it lives in the query string, so a view can be linked and the
 * back button works.
 */
export const STATS_RANGES = ["7d", "30d", "90d", "all", "custom"] as const;
export type StatsRange = (typeof STATS_RANGES)[number];
export const RANGE_LABELS: Record<StatsRange, string> = { "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days", all: "All history", custom: "Custom" };

export const STATS_METRICS = ["consumption", "devices", "concurrency", "domains", "authorizations"] as const;
export type StatsMetric = (typeof STATS_METRICS)[number];
export const METRIC_LABELS: Record<StatsMetric, string> = {
  consumption: "Consumption",
  devices: "Devices",
  concurrency: "Concurrency",
  domains: "Domains",
  authorizations: "Authorizations",
};

/** How the details of a day are grouped. */
export const DETAIL_GROUPS = ["hour", "counter", "item", "result", "device"] as const;
export type DetailGroup = (typeof DETAIL_GROUPS)[number];
export const GROUP_LABELS: Record<DetailGroup, string> = { hour: "By hour", counter: "By counter", item: "By item", result: "By result", device: "By device" };

/**
 * Where a page of a day's devices starts: the row next to this key, in the order (item, device
 * uuid). Pages of devices are read by key, not by number, so a page costs its rows, however many
 * devices the day had. Written in a URL as `{itemRowId}.{deviceUuid}`.
 */
export interface DeviceCursor {
  itemRowId: number;
  deviceUuid: string;
}

export interface StatsQuery {
  range: StatsRange;
  /** First and last UTC day shown (day starts, ms); `from` is null for all history. */
  from: number | null;
  to: number;
  metric: StatsMetric;
  cumulative: boolean;
  /** The day whose details are shown (its start, ms), or null. */
  day: number | null;
  group: DetailGroup;
  page: number;
  /** The "by device" page: the devices after this key, or (Previous) those before it; null both for the first. */
  after: DeviceCursor | null;
  before: DeviceCursor | null;
}

export const DETAIL_PAGE_SIZE = 12;
/** Devices on a page of a day's "by device" details. */
export const DEVICE_PAGE_SIZE = 50;
/** A custom range may span at most this many days (all history has no limit but reads daily rows). */
export const MAX_CUSTOM_DAYS = 3660;

export function dayStart(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function formatCursor(cursor: DeviceCursor): string {
  return `${cursor.itemRowId}.${cursor.deviceUuid}`;
}

function parseCursor(text: string, what: string): DeviceCursor {
  const m = /^([0-9]{1,12})\.([A-Za-z0-9_-]{1,128})$/.exec(text);
  if (!m) throw new AppError("VALIDATION", `${what} must be a device key from a Next or Previous link.`);
  return { itemRowId: Number(m[1]), deviceUuid: m[2]! };
}

function parseDay(text: string, what: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00.000Z`) : Number.NaN;
  if (Number.isNaN(ms) || isoDay(ms) !== text) throw new AppError("VALIDATION", `${what} must be a date like 2026-11-28 (UTC).`);
  return ms;
}

/**
 * Reads a statistics query string; absent values take their defaults (last 30 days, the first
 * metric the page offers, split, by hour). A bad value is a clear error; nothing is guessed.
 */
export function parseStatsQuery(params: Record<string, string | undefined>, now: number, metrics: readonly StatsMetric[]): StatsQuery {
  const today = dayStart(now);
  const range = (params.range ?? "30d") as StatsRange;
  if (!STATS_RANGES.includes(range)) throw new AppError("VALIDATION", `range must be one of ${STATS_RANGES.join(", ")}.`);
  const metric = (params.metric ?? metrics[0] ?? "consumption") as StatsMetric;
  if (!metrics.includes(metric)) throw new AppError("VALIDATION", `metric must be one of ${metrics.join(", ")} for this page.`);
  const group = (params.group ?? "hour") as DetailGroup;
  if (!DETAIL_GROUPS.includes(group)) throw new AppError("VALIDATION", `group must be one of ${DETAIL_GROUPS.join(", ")}.`);
  const page = params.page === undefined ? 1 : Number(params.page);
  if (!Number.isInteger(page) || page < 1 || page > 10_000) throw new AppError("VALIDATION", "page must be a whole number from 1.");

  let from: number | null;
  let to = today;
  if (range === "custom") {
    from = parseDay(params.from ?? "", "from");
    to = parseDay(params.to ?? "", "to");
    if (from > to) throw new AppError("VALIDATION", "from must not be after to: swap the dates.");
    if ((to - from) / DAY_MS >= MAX_CUSTOM_DAYS) throw new AppError("VALIDATION", `A custom range spans at most ${MAX_CUSTOM_DAYS} days; choose All history for more.`);
  } else if (range === "all") from = null;
  else from = today - (Number.parseInt(range, 10) - 1) * DAY_MS;

  const day = params.day ? parseDay(params.day, "day") : null;
  const after = params.after ? parseCursor(params.after, "after") : null;
  const before = params.before ? parseCursor(params.before, "before") : null;
  if (after && before) throw new AppError("VALIDATION", "Give after or before, not both.");
  return { range, from, to, metric, cumulative: params.mode === "cumulative", day, group, page, after, before };
}

/** The query string of a statistics view (only what differs from the defaults), with `change` applied. */
export function statsQueryString(q: StatsQuery, change: Partial<StatsQuery> = {}): string {
  const n = { ...q, ...change };
  const params = new URLSearchParams();
  params.set("range", n.range);
  if (n.range === "custom" && n.from !== null) {
    params.set("from", isoDay(n.from));
    params.set("to", isoDay(n.to));
  }
  params.set("metric", n.metric);
  if (n.cumulative) params.set("mode", "cumulative");
  if (n.day !== null) {
    params.set("day", isoDay(n.day));
    if (n.group !== "hour") params.set("group", n.group);
    if (n.page > 1) params.set("page", String(n.page));
    if (n.after) params.set("after", formatCursor(n.after));
    if (n.before) params.set("before", formatCursor(n.before));
  }
  return params.toString();
}

/** The metrics that fit a set of items' charge ways, for an item's page or a code's page. */
export function metricsFor(scope: "item" | "code", chargeWays: string[]): StatsMetric[] {
  const has = (...ways: string[]) => chargeWays.some((w) => ways.includes(w));
  const metrics: StatsMetric[] = ["consumption", "devices"];
  if (scope === "item" && has("concurrent-device", "concurrent-instance")) metrics.push("concurrency");
  if (scope === "item" && has("domain")) metrics.push("domains");
  if (scope === "code") metrics.push("authorizations");
  return metrics;
}

/** A named line of a chart: one value per day of the series. */
export interface StatsLine {
  label: string;
  values: number[];
}

/** One row of a breakdown: a counter name (module, scans, pages) or an error code, and its total. */
export interface StatsShare {
  name: string;
  value: number;
}

export interface StatsDetailRow {
  label: string;
  values: number[];
}

/** One row of a day's "by device" details: a device's day with an item (on a code's page) or with every code (on an item's). */
export interface StatsDeviceRow {
  itemRowId: number;
  itemId: string;
  deviceUuid: string;
  /** The name the device gave when it authorized, if the item still knows it. */
  name: string | null;
  authorizations: number;
  reports: number;
  units: number;
  /** First and last activity of the day (UTC ms): an authorization's time, a reported slot's start. */
  firstAt: number;
  lastAt: number;
}

/** A page of a day's devices. */
export interface StatsDevicePage {
  /** Whether the per-device rows of the day are still kept (they go with the slot-level rows). */
  kept: boolean;
  /** How many days per-device rows are kept (--usage-slot-days). */
  keptDays: number;
  /** Whether rows are per item and device (a code's page), or per device (an item's page). */
  perItem: boolean;
  rows: StatsDeviceRow[];
  /** The Previous and Next pages' keys, or null where there is none. */
  previous: DeviceCursor | null;
  next: DeviceCursor | null;
  /** The day's figures the rows add up to, from the rollups: devices (the chart's) and units reported. */
  devices: number;
  units: number;
  /** Every row of the day, read page by page as it is iterated (the CSV streams it; the page never does). */
  all: Iterable<StatsDeviceRow>;
}

/** The data of one statistics view: what the charts draw and the tables list. */
export interface StatsData {
  metric: StatsMetric;
  /** The UTC day starts (ms) of the series' points, oldest first. */
  days: number[];
  /** What a point is: a day, or (for a range longer than 400 days) a month starting on the 1st. */
  grain: "day" | "month";
  /** The lines drawn (split per day); the first is the metric's own figure. */
  lines: StatsLine[];
  /** A reference line (the quantity) drawn flat, for concurrency. */
  limit: number | null;
  /** The range's total of the first line (sum, or the maximum for peaks). */
  total: number;
  /** Whether the lines are maxima (peaks) rather than counts to be summed. */
  peak: boolean;
  /** Breakdowns by name: consumption by counter for all history, the range and today; refusals by error code. */
  breakdowns: { title: string; shares: StatsShare[] }[];
  /** The selected day's details, paginated. */
  details: {
    day: number;
    group: DetailGroup;
    groups: DetailGroup[];
    columns: string[];
    rows: StatsDetailRow[];
    allRows: StatsDetailRow[];
    page: number;
    pages: number;
    total: number[];
    /** The "by device" grouping's page (its rows are not StatsDetailRows); null for the other groupings. */
    devices: StatsDevicePage | null;
  } | null;
}
