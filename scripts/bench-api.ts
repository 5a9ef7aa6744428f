#!/usr/bin/env bun
// Throughput and latency of the client API on the compiled binary, beside a baseline measured in
// the same run (this machine is shared and noisy: only the ratios mean something).
//
//   npm run build && bun scripts/bench-api.ts [--seconds 10] [--connections 50]
//
// It starts dist/lts in a temp dir, sets it up with the CLI (password, machine UUID, a license
// issued and activated with dist/lts-vendor --demo, imported), then loads, one after the other:
//   baseline   scripts/bench-baseline-server.ts: Bun.serve + one bun:sqlite insert and select,
//              WAL + synchronous=FULL (the cost of any durable write)
//   authorize  POST /api/v1/authorize, a scan item, 50 devices
//   report     POST /api/v1/report, a fresh reportId per request
// with N concurrent connections for S seconds each, from this process (sharing the two cores),
// and prints req/s, p50, p99, errors and the ratios to the baseline. Targets (issue 4):
// throughput ≥ 0.7 × baseline, p99 ≤ 1.5 × baseline p99, no errors. Only 127.0.0.1 is loaded.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const root = resolve(import.meta.dir, "..");
const LTS = join(root, "dist/lts");
const VENDOR = join(root, "dist/lts-vendor");
const args = Bun.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = option("--seconds", 10);
const CONNECTIONS = option("--connections", 50);

const children: Subprocess[] = [];
const dir = mkdtempSync(join(tmpdir(), "lts-bench-"));
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const step = (what: string) => process.stderr.write(`… ${what}\n`);

async function run(cmd: string[], stdin?: string): Promise<string> {
  step(cmd.slice(1, 3).join(" "));
  const proc = Bun.spawn(cmd, { cwd: dir, stdin: stdin ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (${code}): ${err || out}`);
  return out;
}

/** Starts a server process and resolves with its base URL once it printed its port. */
async function start(cmd: string[], portPattern: RegExp): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd: dir, stdout: "pipe", stderr: "inherit", env: { PATH: process.env.PATH ?? "" } });
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
      return `http://127.0.0.1:${port}`;
    }
  }
}

async function setUpLts(): Promise<{ url: string; code: string; itemId: string }> {
  const dataDir = join(dir, "lts-data");
  await run([LTS, "set-password", "--stdin", "--data-dir", dataDir], "bench password long enough");
  const uuid = (await run([LTS, "uuid", "generate", "--labels", "machine-id", "--yes", "--data-dir", dataDir])).match(/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}/)![0];
  const now = Date.now();
  writeFileSync(
    join(dir, "spec.json"),
    JSON.stringify({
      licenseId: "900001",
      alias: "bench",
      organizationId: "100200",
      licensee: "Bench Corp",
      items: [
        {
          itemId: "900001001",
          description: "bench scans",
          product: "dbr",
          version: 10,
          edition: "javascript",
          deploymentTypes: ["browser"],
          chargeWay: "scan",
          quantity: 1_000_000_000_000,
          startsAt: new Date(now - 86_400_000).toISOString(),
          expiresAt: new Date(now + 365 * 86_400_000).toISOString(),
          modules: [],
        },
      ],
    }),
  );
  await run([VENDOR, "issue", "--spec", "spec.json", "--out", "new.lic", "--demo"]);
  await run([VENDOR, "activate", "--license", "new.lic", "--uuid", uuid, "--out", "activated.lic", "--demo"]);
  await run([LTS, "import", "activated.lic", "--code", "bench", "--data-dir", dataDir]);
  // Every connection comes from 127.0.0.1: the per-address API limit would measure itself.
  const url = await start([LTS, "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--api-rate-limit", "0"], /"msg":"LTS \S+ listening on http:\/\/127\.0\.0\.1:(\d+)/);
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`${url}/healthz`).catch(() => null))?.status === 200) return { url, code: "100200-bench", itemId: "900001001" };
    await Bun.sleep(50);
  }
  throw new Error("lts did not become ready (healthz)");
}

interface Result {
  requests: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** `connections` loops sending `make(worker, n)` for `seconds`; latencies in ms. */
async function load(url: string, make: (worker: number, n: number) => object): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      for (let n = 0; performance.now() < until; n++) {
        const t = performance.now();
        try {
          const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(make(worker, n)) });
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { requests: latencies.length, errors, perSecond: latencies.length / elapsed, p50: pct(50), p99: pct(99) };
}

const nonce = (worker: number, n: number) => `bench-${worker}-${n}-`.padEnd(16, "x");
const slotIso = () => new Date(Math.floor(Date.now() / 180_000) * 180_000).toISOString();
const fmt = (r: Result) => `${r.perSecond.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   ${r.requests} requests, ${r.errors} errors`;

const baselineUrl = await start([process.execPath, join(root, "scripts/bench-baseline-server.ts"), join(dir, "baseline.db")], /port (\d+)/);
const lts = await setUpLts();
console.log(`${CONNECTIONS} connections, ${SECONDS} s each; load generator in this process, sharing the cores\n`);

const device = (worker: number) => ({ uuid: `bench-device-${String(worker).padStart(4, "0")}` });
const authorizeBody = (worker: number, n: number) => ({ handshakeCode: lts.code, device: device(worker), product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "scan", nonce: nonce(worker, n) });

const baseline = await load(baselineUrl, (worker, n) => ({ device: device(worker), n }));
console.log(`baseline   ${fmt(baseline)}`);
const authorize = await load(`${lts.url}/api/v1/authorize`, authorizeBody);
console.log(`authorize  ${fmt(authorize)}`);
// Every device holds a grant by now; each report is new (fresh reportId), one record of 1 scan.
const report = await load(`${lts.url}/api/v1/report`, (worker, n) => ({
  handshakeCode: lts.code,
  itemId: lts.itemId,
  device: device(worker),
  reportId: `r-${worker}-${n}-${Date.now()}`,
  records: [{ slot: slotIso(), counts: { scans: 1 } }],
  nonce: nonce(worker, n),
}));
console.log(`report     ${fmt(report)}`);

const verdict = (name: string, r: Result) => {
  const throughput = r.perSecond / baseline.perSecond;
  const p99 = r.p99 / baseline.p99;
  const ok = throughput >= 0.7 && p99 <= 1.5 && r.errors === 0;
  console.log(`${name.padEnd(10)} throughput ${throughput.toFixed(2)} × baseline (target ≥ 0.70)   p99 ${p99.toFixed(2)} × baseline (target ≤ 1.50)   errors ${r.errors}   ${ok ? "MEETS" : "MISSES"} the targets`);
  return ok;
};
console.log("");
const ok = [verdict("authorize", authorize), verdict("report", report)].every(Boolean);
process.exit(ok ? 0 : 1);
