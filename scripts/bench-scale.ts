#!/usr/bin/env bun
// Does the client API slow down as an item's devices grow? (STYLE.md, "Summaries kept, not
// recounted": a capacity check must not count rows.)
//
//   npm run bench:scale [-- --seconds 2] [--rounds 7] [--concurrency 32] [--sizes 0,100000,1000000] [--loads report,release]
//
// One server per size, each its own data dir (a real file database: WAL, synchronous=FULL) with
// one `device` item of 3,000,000 seats whose devices (their grants and days) are seeded in bulk SQL,
// each last in touch at the clock's time, which the run keeps (ManualClock): every measured contact is a
// repeat one within the hour and the day, as most contacts of a fleet reporting every 3 minutes are.
// Then each load runs through the app in-process (`app.fetch`, `concurrency` requests in flight,
// `seconds` each) against every size back to back, `rounds` times; each round's ratio compares
// figures taken seconds apart, so a busy neighbour slows both alike, and the median round counts.
// The server's WAL checkpointer runs as in `lts serve` (BENCH_NO_CHECKPOINTER=1: SQLite's own). The loads:
//   authorize-new    a fresh device each request (takes a seat: the capacity check runs)
//   authorize-known  a random device already holding a seat
//   report           a random known device, a fresh reportId
//   release          a random known device (a device item holds no concurrent seats)
// It prints req/s, p99 and CPU µs a request per size, and their ratios to the first size (the
// machine is shared and noisy: only the ratios mean something). Target: at 1,000,000 devices every
// figure ≥ 0.9 × its figure at 0. Nothing listens on the network.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config";
import { Checkpointer } from "../src/db/checkpointer";
import { closeDatabase } from "../src/db/client";
import { DATABASE_FILE, openDataDir } from "../src/db/data-dir";
import { buildDeps } from "../src/deps";
import { dayOf, slotOf } from "../src/domain/slots";
import { ManualClock } from "../src/lib/clock";
import { createLogger } from "../src/lib/logger";
import { importLicenseFile } from "../src/services/license-files";
import { generateMachineUuid, MachineIdentity } from "../src/services/machine-identity";
import { FakeLabelReader } from "../test/helpers/fake-labels";
import { activatedLicense, licenseItem, signed } from "../test/helpers/licenses";
import { median } from "./median";

const args = Bun.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
};
const SECONDS = Number(option("--seconds", "1.5"));
const ROUNDS = Number(option("--rounds", "7"));
const CONCURRENCY = Number(option("--concurrency", "32"));
const SIZES = option("--sizes", "0,100000,1000000").split(",").map(Number);
const ONLY = option("--loads", "").split(",").filter(Boolean);
const DAY = 86_400_000;
const START = "2026-11-28T12:00:00.000Z";
const CODE = "100200-bench";
const step = (what: string) => process.stderr.write(`… ${what}\n`);

const root = mkdtempSync(join(tmpdir(), "lts-bench-scale-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

interface Server {
  size: number;
  app: ReturnType<typeof createApp>;
  close: () => Promise<void>;
  hasCounters: boolean;
  /** A random device holding a seat: a seeded one, or one a measurement added. */
  knownDevice: () => string;
  newDevices: string[];
  slot: string;
}

const seedId = (i: number) => `seed-${String(i).padStart(8, "0")}`;

/** A server whose device item holds `size` devices: data dir, machine UUID, a license with the item on CODE, the seed. */
async function serverWith(size: number): Promise<Server> {
  const dir = join(root, String(size));
  // Every request comes from one address: the per-address API limit would measure itself.
  const config = loadConfig({ env: {}, flags: { dataDir: dir, apiRateLimit: "0" } });
  const db = openDataDir(dir);
  const checkpointer = process.env.BENCH_NO_CHECKPOINTER ? null : Checkpointer.start(db, createLogger([], "info"));
  for (const pragma of process.env.BENCH_PRAGMAS?.split(";").filter(Boolean) ?? []) db.$client.run(`PRAGMA ${pragma}`); // experiments only
  const clock = new ManualClock(START);
  // The server's level: each request's debug access line is dropped, not formatted and kept.
  const logger = createLogger([], "info");
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

  // The seed: devices seed-00000001 … in bulk SQL, one transaction per 100,000.
  const hasCounters = (db.$client.query("SELECT count(*) AS n FROM pragma_table_info('item_devices') WHERE name = 'counted'").get() as { n: number }).n > 0;
  const now = clock.now().getTime();
  const started = performance.now();
  for (let from = 0; from < size; from += 100_000) {
    const to = Math.min(size, from + 100_000);
    db.$client.transaction(() => {
      const numbers = `WITH RECURSIVE n(i) AS (SELECT ${from + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})`;
      db.$client.run(
        `INSERT INTO item_devices (item_row_id, device_uuid, device_name, first_seen_at, last_seen_at, active_until${hasCounters ? ", counted" : ""})
         ${numbers} SELECT ${itemRowId}, 'seed-' || printf('%08d', i), NULL, ${now}, ${now}, ${now + 365 * DAY}${hasCounters ? ", 1" : ""} FROM n`,
      );
      db.$client.run(`INSERT INTO grants (code_id, item_row_id, device_uuid, first_granted_at, last_granted_at) ${numbers} SELECT ${codeId}, ${itemRowId}, 'seed-' || printf('%08d', i), ${now}, ${now} FROM n`);
      // Each seeded device was last in touch now (this hour, this day), as a fleet reporting every
      // few minutes is: a measured contact is a repeat one, like the devices the loads add themselves.
      db.$client.run(
        `INSERT INTO device_days (item_row_id, day, device_uuid, code_id, authorizations, first_at, last_at) ${numbers} SELECT ${itemRowId}, ${dayOf(now)}, 'seed-' || printf('%08d', i), ${codeId}, 1, ${now}, ${now} FROM n`,
      );
      if (hasCounters) {
        db.$client.run(`INSERT INTO item_capacity (item_row_id, active_devices) VALUES (${itemRowId}, ${to - from}) ON CONFLICT (item_row_id) DO UPDATE SET active_devices = active_devices + ${to - from}`);
      }
    })();
  }
  db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  if (process.env.BENCH_WARM) {
    for (const sql of ["SELECT sum(length(device_uuid) + active_until) FROM item_devices NOT INDEXED", "SELECT sum(last_granted_at) FROM grants NOT INDEXED", "SELECT sum(first_at) FROM device_days NOT INDEXED"]) db.$client.query(sql).get();
  }
  const mb = (statSync(join(dir, DATABASE_FILE)).size / 2 ** 20).toFixed(0);
  step(`${size.toLocaleString("en")} devices seeded (${((performance.now() - started) / 1000).toFixed(1)} s, database ${mb} MiB)`);
  const newDevices: string[] = [];
  return {
    size,
    app: createApp(deps),
    close: async () => {
      await checkpointer?.stop();
      closeDatabase(db);
    },
    hasCounters,
    newDevices,
    knownDevice: () => {
      const i = Math.floor(Math.random() * (size + newDevices.length));
      return i < size ? seedId(i + 1) : newDevices[i - size]!;
    },
    slot: new Date(slotOf(now)).toISOString(),
  };
}

// ── Load: `CONCURRENCY` requests in flight through app.fetch for `SECONDS` ──
let sequence = 0;
const fresh = (prefix: string) => `${prefix}-${(++sequence).toString(36).padStart(12, "0")}`;
const authorizeBody = (device: string) => ({ handshakeCode: CODE, device: { uuid: device }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", nonce: fresh("nonce") });
type Load = (server: Server) => { verb: string; body: unknown; after?: () => void };

const LOADS: Record<string, Load> = {
  "authorize-new": (server) => {
    const device = fresh("new");
    return { verb: "authorize", body: authorizeBody(device), after: () => server.newDevices.push(device) };
  },
  "authorize-known": (server) => ({ verb: "authorize", body: authorizeBody(server.knownDevice()) }),
  report: (server) => ({
    verb: "report",
    body: { handshakeCode: CODE, itemId: "2000001", device: { uuid: server.knownDevice() }, reportId: fresh("report"), records: [{ slot: server.slot, counts: { scans: 1 } }], nonce: fresh("nonce") },
  }),
  release: (server) => ({ verb: "release", body: { handshakeCode: CODE, itemId: "2000001", device: { uuid: server.knownDevice() }, nonce: fresh("nonce") } }),
};
const env = { requestIP: () => ({ address: "127.0.0.1" }) };

interface Figure {
  rps: number;
  p99: number;
  /** CPU time of this process (server and load generator) per request, µs: less sensitive to neighbours than req/s. */
  cpu: number;
  errors: number;
}

async function measure(server: Server, load: Load, seconds: number): Promise<Figure> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const { verb, body, after } = load(server);
      const started = performance.now();
      const res = await server.app.fetch(new Request(`http://127.0.0.1/api/v1/${verb}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), env);
      const answer = (await res.json()) as { ok?: boolean };
      latencies.push(performance.now() - started);
      if (res.status !== 200 || answer.ok === false) {
        if (errors++ === 0 && process.env.BENCH_DEBUG) console.error(verb, res.status, JSON.stringify(answer));
      } else after?.();
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

const servers: Server[] = [];
for (const size of SIZES) servers.push(await serverWith(size));
const hasCounters = servers[0]!.hasCounters;
step(`warming up (${hasCounters ? "capacity counters" : "no capacity counters: counting rows"})`);
for (const server of servers) await measure(server, LOADS["authorize-new"]!, 0.3);

// ROUNDS rounds; in each, every load runs against every size back to back (in turn forwards and
// backwards), so that the ratio of one round compares figures taken seconds apart: a shared
// machine's slow spells (minutes long, ±30 % here) fall on both. The median round counts.
const loads = Object.entries(LOADS).filter(([name]) => ONLY.length === 0 || ONLY.includes(name));
const rounds: Map<Server, Record<string, Figure>>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  step(`round ${round + 1} of ${ROUNDS}`);
  const figures = new Map<Server, Record<string, Figure>>(servers.map((s) => [s, {}]));
  for (const [name, load] of loads) {
    for (const server of round % 2 === 0 ? servers : [...servers].reverse()) figures.get(server)![name] = await measure(server, load, SECONDS);
  }
  rounds.push(figures);
}
for (const server of servers) await server.close();

const pad = (s: string, n: number) => s.padStart(n);
const base = servers[0]!;
/** The median over the rounds of `value` (a figure, or a figure's ratio to the base size's in the same round). */
const over = (server: Server, name: string, value: (f: Figure, b: Figure) => number) => median(rounds.map((r) => value(r.get(server)![name]!, r.get(base)![name]!)));
console.log(`\nbench:scale — one device item; in-process app.fetch, ${CONCURRENCY} in flight; ${ROUNDS} rounds × ${SECONDS} s per figure, medians${hasCounters ? "" : " (base: no capacity counters)"}`);
console.log(`×: the ratio to the figure at ${base.size.toLocaleString("en")} devices in the same round (req/s: higher is better; CPU µs a request: lower is better); range: the rounds' lowest and highest;`);
console.log(`peak ×: the best round's req/s over the base size's best round's (what a quiet machine would show, or a lucky one)`);
console.log(`${pad("devices", 10)}${pad("load", 17)}${pad("req/s", 9)}${pad("×", 7)}${pad("range", 13)}${pad("peak ×", 8)}${pad("p99 ms", 9)}${pad("CPU µs", 9)}${pad("×", 7)}${pad("errors", 8)}`);
const worst: number[] = [];
for (const server of servers) {
  for (const [name] of loads) {
    const ratios = rounds.map((r) => r.get(server)![name]!.rps / r.get(base)![name]!.rps);
    const ratio = median(ratios);
    const errors = rounds.reduce((n, r) => n + r.get(server)![name]!.errors, 0);
    const peak = (s: Server) => Math.max(...rounds.map((r) => r.get(s)![name]!.rps));
    if (server === servers.at(-1)) worst.push(ratio);
    console.log(
      `${pad(server.size.toLocaleString("en"), 10)}${pad(name, 17)}${pad(String(Math.round(over(server, name, (f) => f.rps))), 9)}${pad(ratio.toFixed(2), 7)}` +
        `${pad(`${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`, 13)}${pad((peak(server) / peak(base)).toFixed(2), 8)}${pad(over(server, name, (f) => f.p99).toFixed(1), 9)}` +
        `${pad(String(Math.round(over(server, name, (f) => f.cpu))), 9)}${pad(over(server, name, (f, b) => f.cpu / b.cpu).toFixed(2), 7)}${pad(String(errors), 8)}`,
    );
  }
}
console.log(`\nworst median req/s ratio at ${servers.at(-1)!.size.toLocaleString("en")} devices vs ${base.size.toLocaleString("en")}: ${Math.min(...worst).toFixed(2)} (target ≥ 0.90)`);
