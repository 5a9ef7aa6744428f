import { createHash, timingSafeEqual } from "node:crypto";
import { statSync } from "node:fs";
import type { Context, Hono } from "hono";
import { dataDirAt } from "../../db/data-dir";
import { API_ERRORS } from "../../domain/api-errors";
import { AppError } from "../../domain/errors";
import type { Deps } from "../../deps";
import { VERSION } from "../../lib/version";
import { outboxDepth } from "../../services/alerts/outbox-depth";
import { listItems } from "../../services/items/list-items";
import type { ApiCounters, ResultCounts } from "../api/v1/counters";
import type { AppEnv } from "../env";

/**
 *   GET /metrics   Prometheus text exposition format 0.0.4
 *
 * Who may read it: with --metrics-token, any address that sends `Authorization: Bearer TOKEN`
 * (401 otherwise); without it, this machine only — a loopback client address (127.0.0.0/8, ::1)
 * that did not come through an untrusted proxy — and 403, saying how to open it up, otherwise.
 * The figures name license items and their use, which is the customer's business: hence closed
 * by default. The API counters are counted in memory since start (ApiCounters); the rest is read
 * at scrape time (one items query, a stat of the database files).
 */
export function registerMetricsRoutes(app: Hono<AppEnv>, deps: Deps, counters: ApiCounters) {
  const token = deps.settings.metricsToken === null ? null : digest(deps.settings.metricsToken);
  app.get("/metrics", (c) => {
    if (token) requireToken(c, token);
    else requireLocal(c);
    return c.body(metricsText(deps, counters), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" });
  });
}

const digest = (s: string) => createHash("sha256").update(s).digest();

function requireToken(c: Context<AppEnv>, token: Buffer): void {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  // Comparing digests keeps the comparison constant-time whatever the length of the guess.
  if (given !== undefined && timingSafeEqual(digest(given), token)) return;
  c.header("WWW-Authenticate", 'Bearer realm="lts-metrics"');
  throw new AppError("UNAUTHENTICATED", "GET /metrics needs 'Authorization: Bearer TOKEN' with the token given to the server as --metrics-token (LTS_METRICS_TOKEN or LTS_METRICS_TOKEN_FILE).");
}

function requireLocal(c: Context<AppEnv>): void {
  // A loopback peer that relays other clients (a reverse proxy on this host not named by
  // --trust-proxy) says so with forwarding headers: its clients are not local.
  const relayed = c.var.forwarded === null && !!(c.req.header("x-forwarded-for") || c.req.header("forwarded") || c.req.header("x-real-ip"));
  if (isLoopback(c.var.ip) && !relayed) return;
  throw new AppError(
    "FORBIDDEN",
    "GET /metrics answers only to this machine (127.0.0.1 or ::1). To scrape it from elsewhere, start the server with --metrics-token TOKEN (or LTS_METRICS_TOKEN / LTS_METRICS_TOKEN_FILE) and send 'Authorization: Bearer TOKEN'.",
  );
}

function isLoopback(ip: string | null): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return v4.startsWith("127.") || ip === "::1";
}

/** One metric family: HELP, TYPE, then its samples. */
interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  samples: { labels?: Record<string, string>; value: number }[];
}

function metricsText(deps: Deps, counters: ApiCounters): string {
  const now = deps.clock.now();
  const dir = dataDirAt(deps.settings.dataDir);
  const items = listItems(deps, { now });
  const jobs = deps.jobs.stats();
  const families: Family[] = [
    { name: "lts_build_info", type: "gauge", help: "The running build; the value is always 1.", samples: [{ labels: { version: VERSION }, value: 1 }] },
    {
      name: "lts_authorizations_total",
      type: "counter",
      help: "POST /api/v1/authorize answers since start: result=\"granted\", or result=\"refused\" with the refusal code (PROTOCOL.md).",
      samples: resultSamples(counters.authorize, "granted"),
    },
    {
      name: "lts_reports_total",
      type: "counter",
      help: "POST /api/v1/report answers since start: result=\"accepted\", or result=\"refused\" with the refusal code (PROTOCOL.md).",
      samples: resultSamples(counters.report, "accepted"),
    },
    {
      name: "lts_license_item_usage_percent",
      type: "gauge",
      help: "What each current license item has used now (the portal's Used figure), in percent of its quantity.",
      samples: items.map((i) => ({ labels: itemLabels(i), value: (100 * i.used) / i.quantity })),
    },
    { name: "lts_license_item_used", type: "gauge", help: "What each current license item has used now, in its charge way's unit.", samples: items.map((i) => ({ labels: itemLabels(i), value: i.used })) },
    { name: "lts_license_item_quantity", type: "gauge", help: "Each current license item's licensed quantity.", samples: items.map((i) => ({ labels: itemLabels(i), value: i.quantity })) },
    { name: "lts_outbox_depth", type: "gauge", help: "Alert emails waiting to be sent (queued, or being sent).", samples: [{ value: outboxDepth(deps) }] },
    { name: "lts_database_size_bytes", type: "gauge", help: "Size of the SQLite database file.", samples: [{ value: fileSize(dir.database) }] },
    { name: "lts_database_wal_size_bytes", type: "gauge", help: "Size of the database's write-ahead log (-wal); 0 when there is none.", samples: [{ value: fileSize(dir.wal) }] },
    { name: "lts_job_runs_total", type: "counter", help: "Runs of each recurring job since start.", samples: jobs.map((j) => ({ labels: { job: j.name }, value: j.runs })) },
    { name: "lts_job_failures_total", type: "counter", help: "Runs of each recurring job that failed (see the log), since start.", samples: jobs.map((j) => ({ labels: { job: j.name }, value: j.failures })) },
    {
      name: "lts_job_last_duration_seconds",
      type: "gauge",
      help: "How long each recurring job's last finished run took.",
      samples: jobs.filter((j) => j.lastDurationMs !== null).map((j) => ({ labels: { job: j.name }, value: j.lastDurationMs! / 1000 })),
    },
    { name: "process_resident_memory_bytes", type: "gauge", help: "Resident memory size of the server process.", samples: [{ value: process.memoryUsage.rss() }] },
    { name: "process_start_time_seconds", type: "gauge", help: "When the server started, in seconds since the Unix epoch.", samples: [{ value: deps.startedAt.getTime() / 1000 }] },
    { name: "lts_uptime_seconds", type: "gauge", help: "Seconds since the server started.", samples: [{ value: (now.getTime() - deps.startedAt.getTime()) / 1000 }] },
  ];
  return families.map(familyText).join("");
}

function resultSamples(counts: ResultCounts, okName: string): Family["samples"] {
  return counts.entries().map(({ result, count }) => {
    const labels: Record<string, string> = result === "ok" ? { result: okName } : { result: "refused", code: String(result), reason: API_ERRORS[result].name };
    return { labels, value: count };
  });
}

function itemLabels(i: { itemId: string; product: string; chargeWay: string; licenseId: string }): Record<string, string> {
  return { item: i.itemId, product: i.product, charge_way: i.chargeWay, license: i.licenseId };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function familyText(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${f.name} ${f.type}`];
  for (const s of f.samples) {
    const labels = Object.entries(s.labels ?? {}).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
    lines.push(`${f.name}${labels.length ? `{${labels.join(",")}}` : ""} ${Number.isFinite(s.value) ? s.value : "NaN"}`);
  }
  return lines.join("\n") + "\n";
}
