#!/usr/bin/env bun
// Smoke test and start-up figures for the compiled binary (npm run smoke, after npm run build).
//
//   bun scripts/smoke.ts
//
// 1. Functional: runs dist/lts from a fresh temp dir on 127.0.0.1 and a free port, waits for
//    /healthz to answer (503 "not-ready" is expected: no machine UUID yet), checks that /setup is
//    an HTML page and /static/htmx.min.js is JavaScript, and that SIGTERM stops it with exit 0.
// 2. Cold start: from spawn to the first HTTP answer of /healthz (polled every ~2 ms), median of
//    5 runs on a fresh data dir each (first start: creates and migrates the database, makes the
//    instance key) and of 5 runs on one data dir that a clean stop left (every later start).
// 3. Idle RSS: VmRSS of one instance 1.5 s after its first answer, split into the pages of the
//    binary file itself (Bun's runtime and the embedded code: shared, clean, reloadable) and
//    anonymous memory (JS heap, malloc, JIT code, SQLite's cache).
//
// Targets: cold start ≤ 50 ms, idle RSS ≤ 48 MiB (README.md, "Memory and start", says what holds
// the memory; a bare Bun.serve binary alone takes ~28 MiB here). Each figure is printed with its
// target, as met or missed. They are measurements, not checks: on a shared, noisy machine a timing
// says little, so the exit status is non-zero only when a functional check fails (CI runs this).
// Every child is killed, even on error.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const BINARY = resolve(import.meta.dir, "../dist/lts");
const COLD_START_RUNS = 5;
const COLD_START_TARGET_MS = 50;
const IDLE_RSS_TARGET_MIB = 48;
const START_TIMEOUT_MS = 10_000;

interface Instance {
  child: Subprocess;
  cwd: string;
  base: string;
  spawnedAt: number;
  output: () => string;
}

const children = new Set<Subprocess>();
const tempDirs = new Set<string>();

function cleanUp() {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanUp);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

/** Starts dist/lts in `cwd` (default: a fresh temp dir), with the caller's LTS_* variables left out. */
function spawnLts(cwd = mkdtempSync(join(tmpdir(), "lts-smoke-"))): Instance {
  tempDirs.add(cwd);
  const port = freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("LTS_")));
  const spawnedAt = performance.now();
  const child = Bun.spawn([BINARY, "--host", "127.0.0.1", "--port", String(port)], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.add(child);
  let text = "";
  for (const stream of [child.stdout, child.stderr]) {
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    })();
  }
  return { child, cwd, base: `http://127.0.0.1:${port}`, spawnedAt, output: () => text.trim().split("\n").slice(-20).join("\n") };
}

/** Stops it with SIGTERM (a clean stop); removes its temp dir unless `keep`. */
async function stop(instance: Instance, options: { keep?: boolean } = {}): Promise<number | null> {
  instance.child.kill("SIGTERM");
  const killer = setTimeout(() => instance.child.kill("SIGKILL"), 5_000);
  await instance.child.exited;
  clearTimeout(killer);
  children.delete(instance.child);
  if (!options.keep) {
    rmSync(instance.cwd, { recursive: true, force: true });
    tempDirs.delete(instance.cwd);
  }
  return instance.child.exitCode;
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/** Polls /healthz until anything answers; returns the answer and when it came. */
async function firstAnswer(instance: Instance): Promise<{ response: Response; at: number }> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (instance.child.exitCode !== null) throw new Error(`dist/lts exited with ${instance.child.exitCode}:\n${instance.output()}`);
    try {
      const response = await fetch(`${instance.base}/healthz`);
      return { response, at: performance.now() };
    } catch {
      await Bun.sleep(2);
    }
  }
  throw new Error(`dist/lts did not answer /healthz within ${START_TIMEOUT_MS} ms:\n${instance.output()}`);
}

const failures: string[] = [];
function check(label: string, ok: boolean, detail: string) {
  console.log(`  ${ok ? "ok  " : "FAIL"} ${label}: ${detail}`);
  if (!ok) failures.push(label);
}

/** Whether a measured figure meets its target: reported, never a failure of the run. */
function verdict(value: number, target: number): string {
  return value <= target ? "met" : `missed by ${Math.round((value / target - 1) * 100)} %`;
}

async function functionalChecks() {
  console.log("functional checks");
  const lts = spawnLts();
  try {
    const health = (await firstAnswer(lts)).response;
    check("GET /healthz answers", true, `${health.status} ${(await health.text()).slice(0, 80)}`);

    const setup = await fetch(`${lts.base}/setup`);
    const html = await setup.text();
    check("GET /setup", setup.status === 200 && html.startsWith("<!DOCTYPE html>"), `${setup.status}, ${JSON.stringify(html.slice(0, 15))}…`);

    const htmx = await fetch(`${lts.base}/static/htmx.min.js`);
    const type = htmx.headers.get("content-type") ?? "";
    const size = (await htmx.arrayBuffer()).byteLength;
    check("GET /static/htmx.min.js", htmx.status === 200 && /javascript/.test(type) && size > 0, `${htmx.status}, ${type}, ${size} bytes`);
  } finally {
    const code = await stop(lts);
    check("SIGTERM stops it", code === 0, `exit code ${code}`);
  }
}

/** Cold starts on a fresh data dir each time, or (`existing`) again and again on one data dir. */
async function coldStart(dataDir: "fresh" | "existing"): Promise<number[]> {
  const samples: number[] = [];
  let cwd: string | undefined;
  if (dataDir === "existing") {
    const first = spawnLts();
    cwd = first.cwd;
    await firstAnswer(first);
    await stop(first, { keep: true });
  }
  for (let run = 0; run < COLD_START_RUNS; run++) {
    const lts = spawnLts(cwd);
    try {
      samples.push((await firstAnswer(lts)).at - lts.spawnedAt);
    } finally {
      await stop(lts, { keep: run < COLD_START_RUNS - 1 && dataDir === "existing" });
    }
  }
  return samples;
}

function reportColdStart(label: string, samples: number[]) {
  const median = [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  console.log(`cold start, ${label} (spawn → first /healthz answer): ${samples.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  console.log(`  median ${median.toFixed(0)} ms (target ≤ ${COLD_START_TARGET_MS} ms) ${verdict(median, COLD_START_TARGET_MS)}`);
}

async function idleRssMiB(): Promise<{ total: number; file: number; anon: number }> {
  const lts = spawnLts();
  try {
    await firstAnswer(lts);
    await Bun.sleep(1_500);
    const status = readFileSync(`/proc/${lts.child.pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1]) / 1024;
    const total = field("VmRSS");
    if (!total) throw new Error(`no VmRSS in /proc/${lts.child.pid}/status`);
    return { total, file: field("RssFile"), anon: field("RssAnon") };
  } finally {
    await stop(lts);
  }
}

try {
  let size: number;
  try {
    size = statSync(BINARY).size;
  } catch {
    throw new Error(`${BINARY} does not exist: run \`npm run build\` first`);
  }
  console.log(`binary ${BINARY}: ${(size / 1e6).toFixed(1)} MB`);

  await functionalChecks();

  reportColdStart("fresh data dir", await coldStart("fresh"));
  reportColdStart("existing data dir", await coldStart("existing"));

  const rss = await idleRssMiB();
  console.log(`idle RSS 1.5 s after start: ${rss.total.toFixed(1)} MiB (target ≤ ${IDLE_RSS_TARGET_MIB} MiB) ${verdict(rss.total, IDLE_RSS_TARGET_MIB)}`);
  console.log(`  of which pages of the binary file ${rss.file.toFixed(1)} MiB, anonymous memory ${rss.anon.toFixed(1)} MiB`);
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
  console.error(`error: ${failures.at(-1)}`);
}

if (failures.length > 0) {
  console.error(`smoke FAILED: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log("smoke passed");
