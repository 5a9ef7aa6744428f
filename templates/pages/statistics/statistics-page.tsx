import type { LicenseItemView } from "../../../src/domain/license-item";
import {
  DEVICE_PAGE_SIZE,
  GROUP_LABELS,
  isoDay,
  METRIC_LABELS,
  RANGE_LABELS,
  STATS_RANGES,
  statsQueryString,
  type StatsData,
  type StatsDevicePage,
  type StatsMetric,
  type StatsQuery,
} from "../../../src/domain/statistics";
import { DAY_MS } from "../../../src/domain/slots";
import { CHARGE_WAY_LABELS, CHARGE_WAY_UNITS, Day, UsedOfTotal } from "../../components/item-bits";
import { AppLayout } from "../../layouts/app-layout";
import { STATS_DETAILS_ID } from "../../targets";
import { useUrl, useView } from "../../view-context";
import { UtcTime } from "../../components/utc-time";

export interface StatisticsPageProps {
  title: string;
  /** "code" pages count only usage made through the code; "item" pages count every code's. */
  kind: "code" | "item";
  /** The page's own path (without the base), e.g. /statistics/code/100200-appA. */
  path: string;
  items: LicenseItemView[];
  metrics: StatsMetric[];
  query: StatsQuery;
  data: StatsData;
  updatedAt: Date;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** Running totals of a series, as the cumulative view shows it (peaks are never summed). */
function shown(values: number[], q: StatsQuery, data: StatsData): number[] {
  if (!q.cumulative || data.peak) return values;
  let sum = 0;
  return values.map((v) => (sum += v));
}

/** A statistics page (domain-notes §2.9): item cards, range and metric, the chart and its table, a day's details. */
export function StatisticsPage(props: StatisticsPageProps) {
  const url = useUrl();
  const { assets } = useView();
  const { query: q, data } = props;
  const link = (change: Partial<StatsQuery>) => url(`${props.path}?${statsQueryString(q, { day: null, page: 1, after: null, before: null, ...change })}`);
  const lines = data.lines.map((l) => ({ label: l.label, values: shown(l.values, q, data) }));
  // A point is a day (its link opens the day's details) or, for long ranges, a month (its link shows its days).
  const daily = data.grain === "day";
  const lastOf = (d: number) => Math.min(Date.UTC(new Date(d).getUTCFullYear(), new Date(d).getUTCMonth() + 1, 1) - DAY_MS, q.to);
  const pointLink = (d: number) => (daily ? link({ day: d }) : link({ range: "custom", from: d, to: lastOf(d) }));
  const pointLabel = (d: number) => (daily ? isoDay(d) : isoDay(d).slice(0, 7));
  const chart = JSON.stringify({ days: data.days, lines, limit: data.limit, dayLinks: data.days.map(pointLink) });
  return (
    <AppLayout title={props.title}>
      <link rel="stylesheet" href={assets["uplot-1.6.32.min.css"]} />
      <script src={assets["uplot-1.6.32.min.js"]} defer></script>
      <script src={assets["stats.js"]} defer></script>
      <p class="lead">
        All times are UTC. Last updated <UtcTime at={props.updatedAt} />.{" "}
        {props.kind === "code" ? "Only usage made through this handshake code counts here; each item's own page counts every code." : "Usage from every handshake code counts here."}
      </p>

      <section class="stats-cards" aria-label="License items">
        {props.items.length === 0 && <p class="empty">No license items are linked to this code now; its history is shown below.</p>}
        {props.items.map((item) => (
          <ItemCard item={item} linkToItem={props.kind === "code"} />
        ))}
      </section>

      <nav class="stats-controls" aria-label="Range and metric">
        <ul class="tabs" aria-label="Range">
          {STATS_RANGES.filter((r) => r !== "custom").map((r) => (
            <li>
              <a href={link({ range: r, from: null })} aria-current={q.range === r ? "true" : undefined}>
                {RANGE_LABELS[r]}
              </a>
            </li>
          ))}
        </ul>
        <form class="custom-range" method="get" action={url(props.path)}>
          <input type="hidden" name="range" value="custom" />
          <input type="hidden" name="metric" value={q.metric} />
          <label>
            From <input type="date" name="from" required value={q.from !== null ? isoDay(q.from) : isoDay(data.days[0] ?? q.to)} />
          </label>
          <label>
            To <input type="date" name="to" required value={isoDay(q.to)} />
          </label>
          <button type="submit" class="button-quiet-dark" aria-pressed={q.range === "custom" ? "true" : "false"}>
            Show
          </button>
        </form>
        <ul class="tabs" aria-label="Metric">
          {props.metrics.map((m) => (
            <li>
              <a href={link({ metric: m })} aria-current={q.metric === m ? "true" : undefined}>
                {METRIC_LABELS[m]}
              </a>
            </li>
          ))}
        </ul>
      </nav>

      <section class="stats-main">
        <div class="stats-chart-head">
          <h2>
            {lines[0]?.label ?? METRIC_LABELS[q.metric]}: {fmt(data.total)} {data.peak ? "at most" : "in this range"}
          </h2>
          {!data.peak && (
            <ul class="tabs tabs-small" aria-label="Chart mode">
              <li>
                <a href={link({ cumulative: false })} aria-current={!q.cumulative ? "true" : undefined}>
                  Split
                </a>
              </li>
              <li>
                <a href={link({ cumulative: true })} aria-current={q.cumulative ? "true" : undefined}>
                  Cumulative
                </a>
              </li>
            </ul>
          )}
          <a class="button-quiet-dark" href={url(`${props.path}/csv?${statsQueryString(q, { day: null })}`)} download aria-label="Export the numbers per day as CSV">
            Export CSV
          </a>
        </div>
        <div class="stats-chart" id="stats-chart" data-chart={chart} role="img" aria-label={`${METRIC_LABELS[q.metric]} per day; the same numbers are in the table below`}></div>
        <p class="hint">
          Markers and dashes tell the lines apart: {lines.map((l, i) => `${l.label} (${i === 0 ? "solid line, round markers" : "dashed line, square markers"})`).join(", ")}
          {data.limit !== null ? `, quantity ${fmt(data.limit)} (dotted)` : ""}. Click a day for its details.
        </p>
        <details class="stats-table" open={data.days.length <= 31}>
          <summary>The numbers, {daily ? "per day" : "per month"}</summary>
          <div class="table-wrap">
            <table class="table">
              <caption class="visually-hidden">{METRIC_LABELS[q.metric]} per UTC day</caption>
              <thead>
                <tr>
                  <th scope="col">{daily ? "Day (UTC)" : "Month (UTC)"}</th>
                  {lines.map((l) => (
                    <th scope="col">{l.label}</th>
                  ))}
                  {data.limit !== null && <th scope="col">Quantity</th>}
                </tr>
              </thead>
              <tbody>
                {data.days.map((d, i) => (
                  <tr aria-current={q.day === d ? "true" : undefined}>
                    <th scope="row">
                      {daily ? (
                        <a href={pointLink(d)} hx-get={pointLink(d)} hx-target={`#${STATS_DETAILS_ID}`} hx-swap="outerHTML" hx-push-url="true">
                          {pointLabel(d)}
                        </a>
                      ) : (
                        <a href={pointLink(d)}>{pointLabel(d)}</a>
                      )}
                    </th>
                    {lines.map((l) => (
                      <td class="num">{fmt(l.values[i] ?? 0)}</td>
                    ))}
                    {data.limit !== null && <td class="num">{fmt(data.limit)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>

      {data.breakdowns.length > 0 && (
        <section class="stats-breakdowns">
          {data.breakdowns.map((b) => (
            <Breakdown title={b.title} shares={b.shares} />
          ))}
        </section>
      )}

      <StatsDetails {...props} />
    </AppLayout>
  );
}

function ItemCard(props: { item: LicenseItemView; linkToItem: boolean }) {
  const url = useUrl();
  const { item } = props;
  return (
    <article class="stats-card">
      <h2>
        {props.linkToItem ? <a href={url(`/statistics/item/${item.rowId}`)}>Item {item.itemId}</a> : <>Item {item.itemId}</>}
      </h2>
      <p class="chips">
        <span class="badge">{item.product}</span> <span class="badge">{item.version}</span> <span class="badge">{item.deploymentTypes.join(", ")}</span>{" "}
        <span class="badge">{item.edition}</span> <span class="badge">{CHARGE_WAY_LABELS[item.chargeWay] ?? item.chargeWay}</span>
      </p>
      <p>
        <UsedOfTotal used={item.used} total={item.quantity} unit={`${CHARGE_WAY_UNITS[item.chargeWay] ?? ""} used`} />
      </p>
      <p class="muted">
        From <Day at={item.startsAt} /> to <Day at={item.expiresAt} /> · license {item.licenseId}
      </p>
      {item.modules.length > 0 && <p class="muted">Modules: {item.modules.join(", ")}</p>}
    </article>
  );
}

function Breakdown(props: { title: string; shares: { name: string; value: number }[] }) {
  const total = props.shares.reduce((s, x) => s + x.value, 0);
  return (
    <div class="stats-breakdown">
      <h3>
        {props.title}: {fmt(total)}
      </h3>
      {props.shares.length === 0 ? (
        <p class="empty">Nothing counted.</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Count</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {props.shares.map((s) => {
              const percent = total > 0 ? Math.round((s.value * 1000) / total) / 10 : 0;
              return (
                <tr>
                  <th scope="row">{s.name}</th>
                  <td class="num">{fmt(s.value)}</td>
                  <td>
                    <meter min={0} max={100} value={percent} aria-hidden="true"></meter>{" "}
                    {percent} %
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The selected day's details: the swap target of the day links, paginated. */
export function StatsDetails(props: StatisticsPageProps) {
  const url = useUrl();
  const { query: q, data } = props;
  const d = data.details;
  if (!d) return <section id={STATS_DETAILS_ID} class="stats-details" aria-live="polite"></section>;
  const link = (change: Partial<StatsQuery>) => url(`${props.path}?${statsQueryString(q, change)}`);
  const swap = (href: string) => ({ href, "hx-get": href, "hx-target": `#${STATS_DETAILS_ID}`, "hx-swap": "outerHTML", "hx-push-url": "true" });
  return (
    <section id={STATS_DETAILS_ID} class="stats-details" aria-live="polite">
      <div class="stats-chart-head">
        <h2>{isoDay(d.day)} details</h2>
        {(!d.devices || d.devices.kept) && (
          <a class="button-quiet-dark" href={url(`${props.path}/csv?${statsQueryString(q, { page: 1, after: null, before: null })}`)} download aria-label={`Export the details of ${isoDay(d.day)} as CSV`}>
            Export CSV
          </a>
        )}
      </div>
      <ul class="tabs tabs-small" aria-label="Group by">
        {d.groups.map((g) => (
          <li>
            <a {...swap(link({ group: g, page: 1, after: null, before: null }))} aria-current={d.group === g ? "true" : undefined}>
              {GROUP_LABELS[g]}
            </a>
          </li>
        ))}
      </ul>
      {d.devices ? <DeviceDetails devices={d.devices} day={d.day} kind={props.kind} link={(change) => swap(link(change))} paged={q.after !== null || q.before !== null} /> : <GroupedDetails {...props} />}
    </section>
  );
}

/** The rows of a day grouped by hour, counter, item or result, with their total. */
function GroupedDetails(props: StatisticsPageProps) {
  const url = useUrl();
  const { query: q, data } = props;
  const d = data.details!;
  const link = (change: Partial<StatsQuery>) => url(`${props.path}?${statsQueryString(q, change)}`);
  const swap = (href: string) => ({ href, "hx-get": href, "hx-target": `#${STATS_DETAILS_ID}`, "hx-swap": "outerHTML", "hx-push-url": "true" });
  return (
    <>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">{d.group === "hour" ? "Period (UTC)" : GROUP_LABELS[d.group].replace("By ", "").replace(/^./, (c) => c.toUpperCase())}</th>
            {d.columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {d.rows.map((r) => (
            <tr>
              <th scope="row">{r.label}</th>
              {r.values.map((v) => (
                <td class="num">{fmt(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{data.peak ? "Day (peak, total)" : "Day total"}</th>
            {d.total.map((v) => (
              <td class="num">{fmt(v)}</td>
            ))}
          </tr>
        </tfoot>
      </table>
      {d.rows.length === 0 && <p class="empty">Nothing counted{d.group === "hour" ? " per hour (hourly rows may have passed their retention)" : ""}.</p>}
      {d.pages > 1 && (
        <nav class="pager" aria-label="Detail pages">
          {d.page > 1 && <a {...swap(link({ page: d.page - 1 }))}>Previous</a>} <span>
            Page {d.page} of {d.pages}
          </span>{" "}
          {d.page < d.pages && <a {...swap(link({ page: d.page + 1 }))}>Next</a>}
        </nav>
      )}
    </>
  );
}

const clock = (ms: number) => <time datetime={new Date(ms).toISOString()}>{new Date(ms).toISOString().slice(11, 19)}</time>;

/**
 * A day's devices, a page at a time (Previous / Next by key): each device's authorizations,
 * reports and units, and its first and last activity; the day's device count and units (the
 * chart's figures) under them. Past the retention of per-device rows, a plain sentence instead.
 */
function DeviceDetails(props: { devices: StatsDevicePage; day: number; kind: "code" | "item"; link: (change: Partial<StatsQuery>) => Record<string, string>; paged: boolean }) {
  const v = props.devices;
  const through = props.kind === "code" ? "through this code" : "with this item";
  if (!v.kept) {
    return (
      <p class="empty">
        Per-device details are kept {v.keptDays} days (--usage-slot-days); {isoDay(props.day)} is older. The day's totals stay: {fmt(v.devices)} active devices, {fmt(v.units)} units reported.
      </p>
    );
  }
  return (
    <>
      <div class="table-wrap">
        <table class="table stats-devices">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Name</th>
              {v.perItem && <th scope="col">Item</th>}
              <th scope="col">Authorizations</th>
              <th scope="col">Reports</th>
              <th scope="col">Units</th>
              <th scope="col">First (UTC)</th>
              <th scope="col">Last (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {v.rows.map((r) => (
              <tr>
                <th scope="row">
                  <code>{r.deviceUuid}</code>
                </th>
                <td>{r.name ?? ""}</td>
                {v.perItem && <td>{r.itemId}</td>}
                <td class="num">{fmt(r.authorizations)}</td>
                <td class="num">{fmt(r.reports)}</td>
                <td class="num">{fmt(r.units)}</td>
                <td>{clock(r.firstAt)}</td>
                <td>{clock(r.lastAt)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Day total</th>
              <td>{fmt(v.devices)} devices</td>
              {v.perItem && <td></td>}
              <td></td>
              <td></td>
              <td class="num">{fmt(v.units)}</td>
              <td></td>
              <td></td>
            </tr>
          </tfoot>
        </table>
      </div>
      {v.rows.length === 0 && <p class="empty">No device was active {through} on this page of the day.</p>}
      {(props.paged || v.next) && (
        <nav class="pager" aria-label="Device pages">
          {props.paged && <a {...props.link({ after: null, before: null })}>First</a>}
          {v.previous && <a {...props.link({ after: null, before: v.previous })}>Previous</a>}
          {v.next && <a {...props.link({ after: v.next, before: null })}>Next</a>}
          <span>
            {fmt(v.devices)} devices this day, {DEVICE_PAGE_SIZE} a page
          </span>
        </nav>
      )}
    </>
  );
}
