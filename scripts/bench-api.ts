#!/usr/bin/env bun
// Throughput and latency of the client API on the compiled binary, beside two baselines measured
// in the same run (this machine is shared and noisy: only the ratios mean something).
//
//   bun scripts/bench-api.ts [--seconds 5] [--warmup 1] [--rounds 3] [--connections 50] [--dist DIR]
//
// Builds dist/ first when dist/lts is missing. Starts DIR/lts (default dist/) in a temp dir, sets
// it up with the CLI (password, machine UUID, a license issued and activated with lts-vendor
// --demo, imported: a device item and a scan item on one code), serves with --api-rate-limit 0 on
// 127.0.0.1, and loads, one after the other, for S seconds each after a W-second warm-up:
//   baseline 1   scripts/bench-baseline-server.ts: Bun.serve, parse JSON, one insert and one
//                select, WAL + synchronous=FULL, a COMMIT per request
//   baseline GC  the same with group commit: the requests of one event-loop turn share one
//                BEGIN IMMEDIATE … COMMIT, each answered after it (the ceiling for LTS's
//                durability; LTS's src/db/group-commit.ts does the same)
//   authorize new    POST /api/v1/authorize, a new device on the device item every request
//   authorize known  POST /api/v1/authorize, known (seated) devices, as many as connections
//   report           POST /api/v1/report, a fresh reportId per request, on the scan item
// The load comes from autocannon (a devDependency) in a process of its own (scripts/bench-load.ts),
// not from the server's. Each round measures baseline GC again right before the LTS runs (other
// work on the machine comes and goes). It prints req/s, p50, p99, errors, the server's CPU time
// per request (the figure least disturbed by a loaded machine) and the ratios to baseline GC,
// then their medians over the rounds. Targets: throughput ≥ 0.35 × baseline GC, p99 ≤ 3 ×
// baseline GC's p99, no errors. The exit status is 1 when a target is missed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const root = resolve(import.meta.dir, "..");
const args = Bun.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const SECONDS = Number(option("--seconds", "5"));
const WARMUP = Number(option("--warmup", "1"));
const ROUNDS = Number(option("--rounds", "3"));
const CONNECTIONS = Number(option("--connections", "50"));
const DIST = resolve(root, option("--dist", "dist"));
const LTS = join(DIST, "lts");
const VENDOR = join(DIST, "lts-vendor");
/** What the children see: PATH, and NODE_PATH when autocannon lives outside node_modules. */
const ENV = { PATH: process.env.PATH ?? "", ...(process.env.NODE_PATH ? { NODE_PATH: process.env.NODE_PATH } : {}) };

const children: Subprocess[] = [];
const dir = mkdtempSync(join(tmpdir(), "lts-bench-"));
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const step = (what: string) => process.stderr.write(`… ${what}\n`);

async function run(cmd: string[], stdin?: string, cwd = dir): Promise<string> {
  step(cmd.slice(1, 3).join(" "));
  const proc = Bun.spawn(cmd, { cwd, stdin: stdin ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", env: ENV });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${err || out}`);
  return out;
}

interface Server {
  url: string;
  pid: number;
}

/** Starts a server process and resolves with its base URL once it printed its port. */
async function start(cmd: string[], portPattern: RegExp): Promise<Server> {
  const proc = Bun.spawn(cmd, { cwd: dir, stdout: "pipe", stderr: "inherit", env: ENV });
  children.push(proc);
  const reader = proc.stdout.getReader();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${cmd[0]} exited before it listened:\n${seen}`);
    seen += new TextDecoder().decode(value);
    const port = seen.match(portPattern)?.[1];
    if (port) {
      void (async () => {
        while (!(await reader.read()).done); // keep draining its output
      })();
      return { url: `http://127.0.0.1:${port}`, pid: proc.pid };
    }
  }
}

const CODE = "100200-bench";
const DEVICE_ITEM = "900001001";
const SCAN_ITEM = "900001002";

async function setUpLts(): Promise<Server> {
  const dataDir = join(dir, "lts-data");
  await run([LTS, "set-password", "--stdin", "--data-dir", dataDir], "bench password long enough");
  const uuid = (await run([LTS, "uuid", "generate", "--labels", "machine-id", "--yes", "--data-dir", dataDir])).match(/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}/)![0];
  const now = Date.now();
  const item = (itemId: string, chargeWay: string) => ({
    itemId,
    description: `bench ${chargeWay}`,
    product: "dbr",
    version: 10,
    edition: "javascript",
    deploymentTypes: ["browser"],
    chargeWay,
    ...(chargeWay === "device" ? { windowDays: 365 } : {}),
    quantity: 1_000_000_000_000,
    startsAt: new Date(now - 86_400_000).toISOString(),
    expiresAt: new Date(now + 365 * 86_400_000).toISOString(),
    modules: [],
  });
  writeFileSync(
    join(dir, "spec.json"),
    JSON.stringify({ licenseId: "900001", alias: "bench", organizationId: "100200", licensee: "Bench Corp", items: [item(DEVICE_ITEM, "device"), item(SCAN_ITEM, "scan")] }),
  );
  await run([VENDOR, "issue", "--spec", "spec.json", "--out", "new.lic", "--demo"]);
  await run([VENDOR, "activate", "--license", "new.lic", "--uuid", uuid, "--out", "activated.lic", "--demo"]);
  await run([LTS, "import", "activated.lic", "--code", "bench", "--data-dir", dataDir]);
  // Every connection comes from 127.0.0.1: the per-address API limit would measure itself.
  const lts = await start([LTS, "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--api-rate-limit", "0"], /"msg":"LTS \S+ listening on http:\/\/127\.0\.0\.1:(\d+)/);
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${lts.url}/healthz`).catch(() => null))?.status === 200) return lts;
    await Bun.sleep(50);
  }
  throw new Error("lts did not become ready (healthz)");
}

interface Result {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** The server process's CPU time (user + system) per answered request. */
  cpuMicros?: number;
}

let runs = 0;
/** One autocannon run of `scenario` (scripts/bench-load.ts) in a child process. */
async function load(url: string, scenario: string, seconds: number): Promise<Result> {
  const job = { url, scenario, connections: CONNECTIONS, seconds, code: CODE, deviceItemId: DEVICE_ITEM, scanItemId: SCAN_ITEM, run: `${++runs}` };
  const proc = Bun.spawn([process.execPath, join(root, "scripts/bench-load.ts"), JSON.stringify(job)], { cwd: root, stdout: "pipe", stderr: "inherit", env: ENV });
  children.push(proc);
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) throw new Error(`the load generator failed (${code}) on ${scenario}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as Result;
}

/** A process's CPU time so far in µs (/proc/PID/stat utime + stime, in clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function measure(server: Server, path: string, scenario: string): Promise<Result> {
  if (WARMUP > 0) await load(server.url + path, scenario, WARMUP);
  const cpu = cpuMicros(server.pid);
  const result = await load(server.url + path, scenario, SECONDS);
  return { ...result, cpuMicros: (cpuMicros(server.pid) - cpu) / Math.max(1, result.requests) };
}

const fmt = (r: Result) =>
  `${r.perSecond.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(1).padStart(5)} ms   p99 ${r.p99.toFixed(1).padStart(5)} ms   ${String(r.errors).padStart(2)} errors   server CPU ${r.cpuMicros!.toFixed(0).padStart(4)} µs/request`;

if (!existsSync(LTS) || !existsSync(VENDOR)) {
  if (DIST !== join(root, "dist")) throw new Error(`${LTS} or ${VENDOR} is missing`);
  await run([process.execPath, join(root, "scripts/build.ts")], undefined, root);
}
try {
  Bun.resolveSync("autocannon", root);
} catch {
  throw new Error("autocannon is missing: run `npm install` (it is a devDependency)");
}

const perRequest = await start([process.execPath, join(root, "scripts/bench-baseline-server.ts"), join(dir, "baseline.db")], /port (\d+)/);
const groupCommit = await start([process.execPath, join(root, "scripts/bench-baseline-server.ts"), join(dir, "baseline-gc.db"), "--group-commit"], /port (\d+)/);
const lts = await setUpLts();
// The report scenario's devices (as many as connections, named as bench-load.ts does) hold a grant on the scan item.
for (let i = 0; i < CONNECTIONS; i++) {
  const uuid = `bench-device-${String(i).padStart(4, "0")}`;
  const body = { handshakeCode: CODE, device: { uuid }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "scan", nonce: `bench-grant-${i}`.padEnd(16, "x") };
  const res = await fetch(`${lts.url}/api/v1/authorize`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`authorizing ${uuid} failed: ${res.status} ${await res.text()}`);
}
console.log(`${CONNECTIONS} connections, ${SECONDS} s a run after ${WARMUP} s of warm-up, ${ROUNDS} round(s); autocannon in a process of its own; ${LTS}`);
console.log("Each round measures baseline GC again, right before the LTS runs it is compared with.\n");

const SCENARIOS = [
  ["authorize new", "/api/v1/authorize", "authorize-new"],
  ["authorize known", "/api/v1/authorize", "authorize-known"],
  ["report", "/api/v1/report", "report"],
] as const;
const ratios: Record<string, { throughput: number; p99: number; errors: number }[]> = {};
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`round ${round}`);
  if (round === 1) console.log(`  ${"baseline 1".padEnd(16)} ${fmt(await measure(perRequest, "", "baseline"))}`);
  const baseline = await measure(groupCommit, "", "baseline");
  console.log(`  ${"baseline GC".padEnd(16)} ${fmt(baseline)}`);
  for (const [name, path, scenario] of SCENARIOS) {
    const r = await measure(lts, path, scenario);
    console.log(`  ${name.padEnd(16)} ${fmt(r)}   ${(r.perSecond / baseline.perSecond).toFixed(2)} × GC req/s, ${(r.p99 / baseline.p99).toFixed(2)} × GC p99`);
    (ratios[name] ??= []).push({ throughput: r.perSecond / baseline.perSecond, p99: r.p99 / baseline.p99, errors: r.errors });
  }
}

/** The median; of an even count, the less flattering of the two middle ones. */
const median = (xs: number[], worse: "lower" | "higher") => [...xs].sort((a, b) => a - b)[worse === "lower" ? Math.floor((xs.length - 1) / 2) : Math.floor(xs.length / 2)]!;
console.log(`\nmedian over ${ROUNDS} round(s), against baseline GC of the same round:`);
let ok = true;
for (const [name] of SCENARIOS) {
  const rs = ratios[name]!;
  const throughput = median(rs.map((r) => r.throughput), "lower");
  const p99 = median(rs.map((r) => r.p99), "higher");
  const errors = rs.reduce((n, r) => n + r.errors, 0);
  const meets = throughput >= 0.35 && p99 <= 3 && errors === 0;
  ok &&= meets;
  console.log(`  ${name.padEnd(16)} throughput ${throughput.toFixed(2)} × (target ≥ 0.35)   p99 ${p99.toFixed(2)} × (target ≤ 3)   errors ${errors}   ${meets ? "MEETS" : "MISSES"} the targets`);
}
process.exit(ok ? 0 : 1);
