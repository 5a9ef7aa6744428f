#!/usr/bin/env bun
// Soak: the compiled server under the realistic mixed load for a while, watching that nothing grows
// that should not (reference L3).
//
//   npm run build && bun scripts/soak.ts [--minutes 10] [--devices 20000] [--interval 180]
//                                       [--authorize-share 0.25] [--concurrency 32] [--sample 10]
//                                       [--rss-factor 1.1] [--db-cache-mib 4]
//
// It starts dist/lts in a temp dir with a license (test/system/licensed-binary.ts), then for the
// duration sends, at a steady pace from this process (loopback only), one report per device every
// --interval seconds (20,000 devices every 180 s ≈ 111 reports/s) plus authorizes at
// --authorize-share of that rate (grant renewals), through the client protocol (POST /api/v1/report, /authorize) with
// at most --concurrency requests in flight (a request that would exceed it is counted as skipped).
// Every --sample seconds it records the -wal file's size, the server's RSS and own memory, the requests answered,
// the errors and the window's p99, prints the curve, and checks (a device authorizes before its
// first report, so the first interval also carries one authorize per report: devices coming online):
//   - the WAL stays under 64 MiB (journal_size_limit; the checkpoints keep up);
//   - the server's own memory (RSS less the files it maps: its binary, and the database it reads
//     through a memory map, which grows with history) does not grow after warm-up: the last
//     third's max ≤ --rss-factor (1.1) × the second third's max. The server runs with a page cache
//     of --db-cache-mib 4 (SOAK_CACHE_MIB), full within the warm-up: the default 64 MiB fills for
//     over an hour at this rate, by design, and would hide a leak or pass for one;
//   - no request failed (every answer a 200), and at most 1 % were skipped (a stall of a shared
//     machine fills the in-flight cap for a moment; more means the server did not keep up).
// Exit code 0 when all hold, 1 otherwise. test/system/soak.test.ts runs the same code for 45 s.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLicensedBinary, type LicensedBinary } from "../test/system/licensed-binary";

export const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** The server's page cache in a soak (--db-cache-mib): small, so that it is full after the warm-up. */
export const SOAK_CACHE_MIB = 4;
export const soakServerArgs = (cacheMib = SOAK_CACHE_MIB) => ["--api-rate-limit", "0", "--db-cache-mib", String(cacheMib)];

export interface SoakOptions {
  seconds: number;
  devices: number;
  intervalSeconds: number;
  /** Authorizes per report (0.25: one authorize for every four reports). */
  authorizeShare: number;
  concurrency: number;
  sampleSeconds: number;
  /** The last third's max own memory may be at most this times the second third's. */
  rssFactor: number;
  /** Progress lines (each sample as it is taken); default none. */
  out?: (line: string) => void;
}

export interface SoakSample {
  atSeconds: number;
  walBytes: number;
  rssBytes: number;
  /** RSS less the files mapped (the database is read through a memory map): the process's own memory. */
  anonBytes: number;
  /** Answers in this window. */
  answered: number;
  errors: number;
  skipped: number;
  p99Ms: number;
}

export interface SoakResult {
  samples: SoakSample[];
  totals: { answered: number; errors: number; skipped: number; reportsPerSecond: number; authorizesPerSecond: number };
  checks: { name: string; ok: boolean; detail: string }[];
  ok: boolean;
}

/** Runs the load against `server` for `options.seconds` and checks the curve. */
export async function soak(server: LicensedBinary, options: SoakOptions): Promise<SoakResult> {
  const { lts } = server;
  const walFile = join(server.dataDir, "lts.db-wal");
  const reportRate = options.devices / options.intervalSeconds;
  const authorizeRate = reportRate * options.authorizeShare;
  const run = Date.now().toString(36);
  let sequence = 0;
  let inFlight = 0;
  let window = { answered: 0, errors: 0, skipped: 0, latencies: [] as number[] };
  const totals = { answered: 0, errors: 0, skipped: 0 };
  let firstError: string | null = null;

  const device = (d: number) => `soak-device-${String(d).padStart(6, "0")}`;
  const nonce = () => `soak-${run}-${String(++sequence).padStart(10, "0")}`;
  /** Sends one request unless --concurrency are in flight; resolves with whether it was answered 200. */
  const send = (verb: "report" | "authorize", body: unknown): Promise<boolean> => {
    if (inFlight >= options.concurrency) {
      window.skipped++;
      return Promise.resolve(false);
    }
    inFlight++;
    const started = performance.now();
    return fetch(`${lts.url}/api/v1/${verb}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(async (res) => {
        const text = await res.text();
        if (res.status !== 200) throw new Error(`${verb} answered ${res.status}: ${text.slice(0, 200)}`);
      })
      .then(
        () => {
          window.answered++;
          window.latencies.push(performance.now() - started);
          return true;
        },
        (error: unknown) => {
          window.errors++;
          firstError ??= String(error);
          return false;
        },
      )
      .finally(() => inFlight--);
  };
  // A device authorizes before its first report (a report needs a grant), then reports every interval.
  const granted = new Uint8Array(options.devices);
  const authorizeDevice = (d: number) => send("authorize", server.authorizeBody(device(d), nonce())).then((ok) => (ok ? (granted[d] = 1) : 0) === 1);
  const reportFrom = (d: number, n: number) => {
    const report = () => void send("report", server.reportBody(device(d), `r-${run}-${n}`, 1 + (n % 10), nonce()));
    if (granted[d]) report();
    else void authorizeDevice(d).then((ok) => ok && report());
  };

  const sample = (atSeconds: number): SoakSample => {
    const latencies = window.latencies.sort((a, b) => a - b);
    const s: SoakSample = {
      atSeconds,
      walBytes: fileSize(walFile),
      ...memoryOf(lts.pid),
      answered: window.answered,
      errors: window.errors,
      skipped: window.skipped,
      p99Ms: latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]! : 0,
    };
    totals.answered += s.answered;
    totals.errors += s.errors;
    totals.skipped += s.skipped;
    window = { answered: 0, errors: 0, skipped: 0, latencies: [] };
    return s;
  };

  const samples: SoakSample[] = [];
  const started = performance.now();
  const end = started + options.seconds * 1000;
  let nextSample = started + options.sampleSeconds * 1000;
  let reportsSent = 0;
  let authorizesSent = 0;
  let reportN = 0;
  // Open loop: every 20 ms, send what the rates say is due by now (not what the answers allow).
  while (performance.now() < end) {
    const elapsed = (performance.now() - started) / 1000;
    for (; reportsSent < Math.floor(elapsed * reportRate); reportsSent++) {
      const n = reportN++;
      reportFrom(n % options.devices, n);
    }
    for (; authorizesSent < Math.floor(elapsed * authorizeRate); authorizesSent++) void authorizeDevice(Math.floor(Math.random() * options.devices));
    if (performance.now() >= nextSample) {
      const s = sample(Math.round((performance.now() - started) / 1000));
      samples.push(s);
      options.out?.(formatSample(s, options.sampleSeconds));
      nextSample += options.sampleSeconds * 1000;
    }
    await Bun.sleep(20);
  }
  const drainUntil = Date.now() + 10_000;
  while (inFlight > 0 && Date.now() < drainUntil) await Bun.sleep(20);
  if (window.answered + window.errors + window.skipped > 0) {
    const last = sample(Math.round((performance.now() - started) / 1000));
    samples.push(last);
    options.out?.(formatSample(last, options.sampleSeconds));
  }

  const third = Math.floor(samples.length / 3);
  const secondMax = Math.max(...samples.slice(third, 2 * third).map((s) => s.anonBytes));
  const lastMax = Math.max(...samples.slice(2 * third).map((s) => s.anonBytes));
  const walMax = Math.max(...samples.map((s) => s.walBytes));
  const checks = [
    { name: "WAL under 64 MiB", ok: walMax < WAL_LIMIT_BYTES, detail: `max ${mib(walMax)}` },
    {
      name: `own memory (RSS less mapped files) flat after warm-up (last third's max ≤ ${options.rssFactor} × second third's)`,
      ok: third > 0 && lastMax <= options.rssFactor * secondMax,
      detail: `second third max ${mib(secondMax)}, last third max ${mib(lastMax)} (× ${(lastMax / secondMax).toFixed(3)})`,
    },
    { name: "no failed requests", ok: totals.errors === 0, detail: `${totals.errors} failed${firstError ? `; first: ${firstError}` : ""}` },
    {
      name: "the server kept up (≤ 1 % skipped at the concurrency cap)",
      ok: totals.skipped <= 0.01 * (totals.answered + totals.errors + totals.skipped),
      detail: `${totals.skipped} skipped of ${totals.answered + totals.errors + totals.skipped}`,
    },
  ];
  const seconds = (performance.now() - started) / 1000;
  return {
    samples,
    totals: { ...totals, reportsPerSecond: reportsSent / seconds, authorizesPerSecond: authorizesSent / seconds },
    checks,
    ok: checks.every((c) => c.ok),
  };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function memoryOf(pid: number): { rssBytes: number; anonBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kib("VmRSS"), anonBytes: kib("RssAnon") };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export function formatSample(s: SoakSample, sampleSeconds: number): string {
  return `${String(s.atSeconds).padStart(5)} s  wal ${mib(s.walBytes).padStart(9)}  rss ${mib(s.rssBytes).padStart(9)} (own ${mib(s.anonBytes).padStart(9)})  ${(s.answered / sampleSeconds).toFixed(0).padStart(4)} req/s  p99 ${s.p99Ms.toFixed(1).padStart(6)} ms  errors ${s.errors}  skipped ${s.skipped}`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      minutes: { type: "string", default: "10" },
      devices: { type: "string", default: "20000" },
      interval: { type: "string", default: "180" },
      "authorize-share": { type: "string", default: "0.25" },
      concurrency: { type: "string", default: "32" },
      sample: { type: "string", default: "10" },
      "rss-factor": { type: "string", default: "1.1" },
      "db-cache-mib": { type: "string", default: String(SOAK_CACHE_MIB) },
    },
  });
  const number = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) {
      console.error(`--${name} must be a number ≥ ${min}, not '${values[name]}'.`);
      process.exit(2);
    }
    return n;
  };
  const options: SoakOptions = {
    seconds: number("minutes", 0.1) * 60,
    devices: number("devices", 1),
    intervalSeconds: number("interval", 1),
    authorizeShare: number("authorize-share", 0),
    concurrency: number("concurrency", 1),
    sampleSeconds: number("sample", 1),
    rssFactor: number("rss-factor", 1),
    out: (line) => console.log(line),
  };
  console.error(`… starting dist/lts with a license`);
  const server = await startLicensedBinary({ args: soakServerArgs(number("db-cache-mib", 1)) });
  try {
    console.log(
      `soak: ${options.seconds / 60} min, ${options.devices} devices every ${options.intervalSeconds} s (${(options.devices / options.intervalSeconds).toFixed(0)} reports/s) + ${options.authorizeShare} authorizes per report, ≤ ${options.concurrency} in flight, a sample every ${options.sampleSeconds} s`,
    );
    const result = await soak(server, options);
    console.log(`\n${result.totals.answered} answered (${result.totals.reportsPerSecond.toFixed(1)} reports/s, ${result.totals.authorizesPerSecond.toFixed(1)} authorizes/s)`);
    for (const check of result.checks) console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    await server.stop();
  }
}
