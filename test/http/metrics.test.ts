import { outbox } from "../../src/db/schema";
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { apiWorld, slotIso } from "../helpers/api";
import { createWorld, type World } from "../helpers/world";

// GET /metrics (README, "Monitoring"): Prometheus text format 0.0.4, validated by Prometheus's own
// `promtool check metrics` (Debian package `prometheus`, installed by .ci/run). Open to loopback
// clients only, unless --metrics-token is set: then to any bearer of the token.

const TOKEN = "metrics-token-0123456789abcdef";

async function scrape(w: World, options: { ip?: string; headers?: Record<string, string> } = {}) {
  const res = await w.app.request("/metrics", { headers: options.headers ?? {} }, { requestIP: () => ({ address: options.ip ?? "127.0.0.1" }) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** promtool's verdict on an exposition: its exit code and what it says (lint problems included). */
function promtool(text: string): { code: number; output: string } {
  const which = Bun.which("promtool");
  if (!which) throw new Error("promtool is missing: apt-get install prometheus (.ci/run installs it)");
  const run = Bun.spawnSync([which, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  return { code: run.exitCode, output: run.stdout.toString() + run.stderr.toString() };
}

/** The samples of a valid exposition by `name{labels}` exactly as written (labels in our order). */
function samples(text: string): Map<string, number> {
  return new Map(
    text
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => {
        const at = l.lastIndexOf(" ");
        return [l.slice(0, at), Number(l.slice(at + 1))];
      }),
  );
}

describe("GET /metrics", () => {
  test("is valid Prometheus text format, with HELP and TYPE for every family", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 200 }] });
    await api.authorize();
    const res = await scrape(api.w);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(promtool(res.text)).toEqual({ code: 0, output: "" });
    for (const family of ["lts_build_info", "lts_authorizations_total", "lts_reports_total", "lts_license_item_usage_percent", "lts_database_size_bytes", "lts_database_wal_size_bytes", "lts_job_runs_total", "lts_job_failures_total", "process_resident_memory_bytes", "lts_uptime_seconds"]) {
      expect(res.text).toContain(`# HELP ${family} `);
      expect(res.text).toContain(`# TYPE ${family} `);
    }
    expect(res.text).toMatch(/^lts_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
  });

  test("promtool is strict: a counter without _total fails it (the check above means something)", () => {
    expect(promtool("# HELP lts_things Things.\n# TYPE lts_things counter\nlts_things 1\n").output).toContain('counter metrics should have "_total" suffix');
  });

  test("the API counters move: authorize granted, a refusal 101, a report accepted, a malformed report", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 200 }] });
    const before = samples((await scrape(api.w)).text);
    expect(before.get('lts_authorizations_total{result="granted"}')).toBe(0);
    expect(before.get('lts_reports_total{result="accepted"}')).toBe(0);

    expect((await api.authorize()).status).toBe(200);
    expect((await api.authorize()).status).toBe(200);
    expect((await api.authorize({ handshakeCode: "999999-nope" })).status).toBe(404);
    expect((await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 50 } }] })).status).toBe(200);
    expect((await api.report({ handshakeCode: 12 })).status).toBe(400);

    const after = samples((await scrape(api.w)).text);
    expect(after.get('lts_authorizations_total{result="granted"}')).toBe(2);
    expect(after.get('lts_authorizations_total{result="refused",code="101",reason="HANDSHAKE_NOT_FOUND"}')).toBe(1);
    expect(after.get('lts_reports_total{result="accepted"}')).toBe(1);
    expect(after.get('lts_reports_total{result="refused",code="1",reason="INVALID_REQUEST"}')).toBe(1);
    // The scan item used 50 of 200: the portal's Used figure, in percent.
    const item = '{item="2000001",product="dbr",charge_way="scan",license="';
    const usage = [...after].find(([k]) => k.startsWith(`lts_license_item_usage_percent${item}`));
    expect(usage?.[1]).toBe(25);
    expect([...after].find(([k]) => k.startsWith(`lts_license_item_used${item}`))?.[1]).toBe(50);
  });

  test("counts the rate limit's 429 refusals (code 3) of authorize and report", async () => {
    const api = await apiWorld({ flags: { apiRateLimit: "1" } });
    for (let i = 0; i < 5; i++) await api.authorize();
    expect((await api.authorize()).status).toBe(429);
    expect((await api.report()).status).toBe(429);
    const after = samples((await scrape(api.w)).text);
    expect(after.get('lts_authorizations_total{result="refused",code="3",reason="RATE_LIMITED"}')).toBe(1);
    expect(after.get('lts_reports_total{result="refused",code="3",reason="RATE_LIMITED"}')).toBe(1);
  });

  test("shows the jobs' counts, the database files' sizes and the uptime", async () => {
    const w = createWorld();
    w.deps.jobs = { stats: () => [{ name: "housekeeping", runs: 3, failures: 1, lastDurationMs: 250 }] };
    writeFileSync(join(w.dataDir, "lts.db"), new Uint8Array(4096));
    writeFileSync(join(w.dataDir, "lts.db-wal"), new Uint8Array(100));
    w.clock.advance(90_000);
    const m = samples((await scrape(w)).text);
    expect(m.get('lts_job_runs_total{job="housekeeping"}')).toBe(3);
    expect(m.get('lts_job_failures_total{job="housekeeping"}')).toBe(1);
    expect(m.get('lts_job_last_duration_seconds{job="housekeeping"}')).toBe(0.25);
    expect(m.get("lts_database_size_bytes")).toBe(4096);
    expect(m.get("lts_database_wal_size_bytes")).toBe(100);
    expect(m.get("lts_uptime_seconds")).toBe(90);
    expect(m.get("process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  test("shows how many alert emails wait in the outbox (sent ones do not count)", async () => {
    const w = createWorld();
    const queued = (status: "pending" | "sending" | "sent" | "failed") =>
      w.db.insert(outbox).values({ createdAt: 0, subject: "s", text: "t", html: "h", summary: [], status, nextAttemptAt: 0 }).run();
    expect(samples((await scrape(w)).text).get("lts_outbox_depth")).toBe(0);
    for (const status of ["pending", "sending", "sent", "failed"] as const) queued(status);
    expect(samples((await scrape(w)).text).get("lts_outbox_depth")).toBe(2);
  });

  describe("without --metrics-token", () => {
    test("answers loopback clients (127.0.0.0/8, ::1)", async () => {
      const w = createWorld();
      for (const ip of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) expect((await scrape(w, { ip })).status).toBe(200);
    });

    test("refuses any other address with 403, saying how to open it up", async () => {
      const w = createWorld();
      for (const ip of ["192.0.2.9", "10.0.0.1", "::ffff:192.0.2.9", "fe80::1"]) {
        const res = await scrape(w, { ip });
        expect(res.status).toBe(403);
        expect(res.text).toContain("--metrics-token");
        expect(res.text).not.toContain("lts_build_info");
      }
    });

    test("refuses a loopback peer that relays someone else (an untrusted proxy on this host)", async () => {
      const w = createWorld();
      expect((await scrape(w, { headers: { "X-Forwarded-For": "203.0.113.5" } })).status).toBe(403);
    });

    test("through a trusted proxy, the forwarded client address decides", async () => {
      const w = createWorld({ flags: { trustProxy: "127.0.0.1" } });
      expect((await scrape(w, { headers: { "X-Forwarded-For": "203.0.113.5" } })).status).toBe(403);
      expect((await scrape(w, { headers: { "X-Forwarded-For": "127.0.0.1" } })).status).toBe(200);
    });
  });

  describe("with --metrics-token", () => {
    test("answers the right bearer token from any address", async () => {
      const w = createWorld({ flags: { metricsToken: TOKEN } });
      const res = await scrape(w, { ip: "192.0.2.9", headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.text).toContain("lts_build_info");
    });

    test("refuses a missing or wrong token with 401 and a Bearer challenge, even from loopback", async () => {
      const w = createWorld({ flags: { metricsToken: TOKEN } });
      for (const headers of [{} as Record<string, string>, { Authorization: `Bearer ${TOKEN}x` }, { Authorization: "Bearer short" }, { Authorization: `Basic ${btoa(`u:${TOKEN}`)}` }]) {
        const res = await scrape(w, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toBe('Bearer realm="lts-metrics"');
        expect(res.text).toContain("Authorization: Bearer TOKEN");
        expect(res.text).not.toContain("lts_build_info");
      }
    });
  });
});
