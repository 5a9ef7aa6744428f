#!/usr/bin/env bun
// Does the client API slow down as an item's devices grow? (STYLE.md, "Summaries kept, not
// recounted": a capacity check must not count rows.)
//
//   npm run bench:scale [-- --seconds 2] [--rounds 3] [--concurrency 32] [--sizes 0,100000,1000000]
//
// One data dir (a real file database: WAL, synchronous=FULL) with one `device` item of 3,000,000
// seats. For each size it seeds the item's devices (and their grants) in bulk SQL up to that size,
// then loads the app in-process (`app.fetch`, `concurrency` requests in flight, `seconds` each, the
// best of `rounds`):
//   authorize-new    a fresh device each request (takes a seat: the capacity check runs)
//   authorize-known  a random device already holding a seat
//   report           a random known device, a fresh reportId
//   release          a random known device (a device item holds no concurrent seats)
// and prints req/s and p99 per size and each figure's ratio to the one at the first size (the
// machine is shared and noisy: only the ratios mean something). Target: at 1,000,000 devices every
// figure ≥ 0.9 × its figure at 0. Nothing listens on the network.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config";
import { closeDatabase } from "../src/db/client";
import { openDataDir } from "../src/db/data-dir";
import { buildDeps } from "../src/deps";
import { slotOf } from "../src/domain/slots";
import { ManualClock } from "../src/lib/clock";
import { memoryLogger } from "../src/lib/logger";
import { importLicenseFile } from "../src/services/license-files";
import { generateMachineUuid, MachineIdentity } from "../src/services/machine-identity";
import { FakeLabelReader } from "../test/helpers/fake-labels";
import { activatedLicense, licenseItem, signed } from "../test/helpers/licenses";

const args = Bun.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const SECONDS = Number(option("--seconds", "2"));
const ROUNDS = Number(option("--rounds", "3"));
const CONCURRENCY = Number(option("--concurrency", "32"));
const SIZES = option("--sizes", "0,100000,1000000").split(",").map(Number);
const DAY = 86_400_000;
const START = "2026-11-28T12:00:00.000Z";
const CODE = "100200-bench";
const step = (what: string) => process.stderr.write(`… ${what}\n`);

const dir = mkdtempSync(join(tmpdir(), "lts-bench-scale-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// ── A server: data dir, machine UUID, a license with one device item on CODE ──
// Every request comes from one address: the per-address API limit would measure itself.
const config = loadConfig({ env: {}, flags: { dataDir: dir, apiRateLimit: "0" } });
const db = openDataDir(dir);
for (const pragma of process.env.BENCH_PRAGMAS?.split(";").filter(Boolean) ?? []) db.$client.run(`PRAGMA ${pragma}`); // experiments only
const clock = new ManualClock(START);
const logger = memoryLogger();
const labels = new FakeLabelReader();
const deps = buildDeps(config, db, logger, "http://127.0.0.1:48080/", { clock, machine: new MachineIdentity(db, labels.read, logger) });
const admin = { kind: "admin" as const, ip: null };
const { uuid } = await generateMachineUuid({ db, clock, actor: admin, machine: deps.machine }, { labels: ["machine-id", "mac"] });
await deps.machine.refresh();
const item = licenseItem({ itemId: "2000001", chargeWay: "device", quantity: 3_000_000, windowDays: 365, startsAt: "2026-01-01T00:00:00.000Z", expiresAt: "2030-01-01T00:00:00.000Z", modules: [] });
const file = new TextEncoder().encode(signed(activatedLicense(uuid, { items: [item] })));
importLicenseFile({ db, clock, actor: admin, trustedIssuers: deps.trustedIssuers }, { file, machine: deps.machine.binding(admin), codeSuffix: "bench" });
const itemRowId = (db.$client.query("SELECT id FROM license_items WHERE item_id = '2000001'").get() as { id: number }).id;
const codeId = (db.$client.query("SELECT id FROM handshake_codes WHERE code = ?").get(CODE) as { id: number }).id;
const app = createApp(deps);

// ── Seeding: devices seed-00000001 … in bulk SQL, one transaction per 100,000 ──
const hasCounters = (db.$client.query("SELECT count(*) AS n FROM pragma_table_info('item_devices') WHERE name = 'counted'").get() as { n: number }).n > 0;
let seeded = 0;
const seedId = (i: number) => `seed-${String(i).padStart(8, "0")}`;
function seedTo(size: number): void {
  const now = clock.now().getTime();
  while (seeded < size) {
    const to = Math.min(size, seeded + 100_000);
    db.$client.transaction(() => {
      const numbers = `WITH RECURSIVE n(i) AS (SELECT ${seeded + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})`;
      db.$client.run(
        `INSERT INTO item_devices (item_row_id, device_uuid, device_name, first_seen_at, last_seen_at, active_until${hasCounters ? ", counted" : ""})
         ${numbers} SELECT ${itemRowId}, 'seed-' || printf('%08d', i), NULL, ${now}, ${now}, ${now + 365 * DAY}${hasCounters ? ", 1" : ""} FROM n`,
      );
      db.$client.run(`INSERT INTO grants (code_id, item_row_id, device_uuid, first_granted_at, last_granted_at) ${numbers} SELECT ${codeId}, ${itemRowId}, 'seed-' || printf('%08d', i), ${now}, ${now} FROM n`);
      if (hasCounters) {
        db.$client.run(`INSERT INTO item_counters (item_row_id, active_devices) VALUES (${itemRowId}, ${to - seeded}) ON CONFLICT (item_row_id) DO UPDATE SET active_devices = active_devices + ${to - seeded}`);
      }
    })();
    seeded = to;
  }
}

// ── Load: `CONCURRENCY` requests in flight through app.fetch for `SECONDS` ──
let sequence = 0;
const fresh = (prefix: string) => `${prefix}-${(++sequence).toString(36).padStart(12, "0")}`;
const newDevices: string[] = [];
/** A random device holding a seat: a seeded one, or one a measurement added. */
const knownDevice = () => {
  const i = Math.floor(Math.random() * (seeded + newDevices.length));
  return i < seeded ? seedId(i + 1) : newDevices[i - seeded]!;
};
const authorizeBody = (device: string) => ({ handshakeCode: CODE, device: { uuid: device }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", nonce: fresh("nonce") });
const slot = new Date(slotOf(clock.now().getTime())).toISOString();

const LOADS: Record<string, () => { verb: string; body: unknown; after?: () => void }> = {
  "authorize-new": () => {
    const device = fresh("new");
    return { verb: "authorize", body: authorizeBody(device), after: () => newDevices.push(device) };
  },
  "authorize-known": () => ({ verb: "authorize", body: authorizeBody(knownDevice()) }),
  report: () => ({ verb: "report", body: { handshakeCode: CODE, itemId: "2000001", device: { uuid: knownDevice() }, reportId: fresh("report"), records: [{ slot, counts: { scans: 1 } }], nonce: fresh("nonce") } }),
  release: () => ({ verb: "release", body: { handshakeCode: CODE, itemId: "2000001", device: { uuid: knownDevice() }, nonce: fresh("nonce") } }),
};
const env = { requestIP: () => ({ address: "127.0.0.1" }) };

interface Figure {
  rps: number;
  p99: number;
  /** CPU time of this process (server and load generator) per request, µs: less sensitive to neighbours than req/s. */
  cpu: number;
  errors: number;
}

async function measure(load: () => { verb: string; body: unknown; after?: () => void }, seconds: number): Promise<Figure> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const { verb, body, after } = load();
      const started = performance.now();
      const res = await app.fetch(new Request(`http://127.0.0.1/api/v1/${verb}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), env);
      const answer = (await res.json()) as { ok?: boolean };
      latencies.push(performance.now() - started);
      if (res.status !== 200 || answer.ok === false) { if (errors++ === 0 && process.env.BENCH_DEBUG) console.error(verb, res.status, JSON.stringify(answer)); }
      else after?.();
    }
  };
  const began = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
  return { rps: latencies.length / elapsed, p99, cpu: (used.user + used.system) / latencies.length, errors };
}

step(`warming up (${hasCounters ? "capacity counters" : "no capacity counters: counting rows"})`);
await measure(LOADS["authorize-new"]!, 0.5);
const results: { size: number; figures: Record<string, Figure> }[] = [];
for (const size of SIZES) {
  const t = performance.now();
  seedTo(size);
  db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  step(`${size.toLocaleString("en")} devices seeded (${((performance.now() - t) / 1000).toFixed(1)} s); measuring`);
  // Best of ROUNDS, the loads interleaved: other work on a shared machine only ever slows a figure down.
  const figures: (typeof results)[number]["figures"] = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, load] of Object.entries(LOADS)) {
      const f = await measure(load, SECONDS);
      const best = figures[name];
      figures[name] = best ? { rps: Math.max(best.rps, f.rps), p99: Math.min(best.p99, f.p99), cpu: Math.min(best.cpu, f.cpu), errors: best.errors + f.errors } : f;
    }
  }
  results.push({ size, figures });
}
closeDatabase(db);

const pad = (s: string, n: number) => s.padStart(n);
const base = results[0]!;
console.log(`\nbench:scale — one device item; in-process app.fetch, ${CONCURRENCY} in flight, best of ${ROUNDS} × ${SECONDS} s per figure${hasCounters ? "" : " (base: no capacity counters)"}`);
console.log(`×: the ratio to the figure at ${base.size.toLocaleString("en")} devices (req/s: higher is better; CPU µs a request: lower is better)`);
console.log(`${pad("devices", 10)}${pad("load", 17)}${pad("req/s", 9)}${pad("×", 7)}${pad("p99 ms", 9)}${pad("CPU µs", 9)}${pad("×", 7)}${pad("errors", 8)}`);
for (const { size, figures } of results) {
  for (const [name, f] of Object.entries(figures)) {
    const b = base.figures[name]!;
    console.log(`${pad(size.toLocaleString("en"), 10)}${pad(name, 17)}${pad(String(Math.round(f.rps)), 9)}${pad((f.rps / b.rps).toFixed(2), 7)}${pad(f.p99.toFixed(1), 9)}${pad(String(Math.round(f.cpu)), 9)}${pad((f.cpu / b.cpu).toFixed(2), 7)}${pad(String(f.errors), 8)}`);
  }
}
const last = results.at(-1)!;
const worst = Math.min(...Object.entries(last.figures).map(([name, f]) => f.rps / base.figures[name]!.rps));
console.log(`\nworst req/s ratio at ${last.size.toLocaleString("en")} devices vs ${base.size.toLocaleString("en")}: ${worst.toFixed(2)} (target ≥ 0.90)`);
