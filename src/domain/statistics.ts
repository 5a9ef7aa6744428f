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
export const DETAIL_GROUPS = ["hour", "counter", "item", "result"] as const;
export type DetailGroup = (typeof DETAIL_GROUPS)[number];
export const GROUP_LABELS: Record<DetailGroup, string> = { hour: "By hour", counter: "By counter", item: "By item", result: "By result" };

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
}

export const DETAIL_PAGE_SIZE = 12;
/** A custom range may span at most this many days (all history has no limit but reads daily rows). */
export const MAX_CUSTOM_DAYS = 3660;

export function dayStart(ms: number): number {
  return ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
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
  return { range, from, to, metric, cumulative: params.mode === "cumulative", day, group, page };
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
  details: { day: number; group: DetailGroup; groups: DetailGroup[]; columns: string[]; rows: StatsDetailRow[]; allRows: StatsDetailRow[]; page: number; pages: number; total: number[] } | null;
}
