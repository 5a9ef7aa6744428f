// The fault harness: the compiled server (dist/lts) on a temp data dir, set up the way an operator
// does it (set-password, a UUID from a custom ID file, a demo license imported), driven by many
// concurrent clients that RECORD every acknowledged write, and checked afterwards by reading the
// database itself (bun:sqlite, read-only, server stopped).
//
//   const inst = await prepareInstance();              // temp data dir, free port, license key
//   const lts = await LtsProcess.start(inst);          // dist/lts serve --api-rate-limit 0
//   const load = new Load(inst, { rawDevices: 24, libraryDevices: 4 });
//   load.start(); …; await load.stop(); await load.drain();
//   await lts.terminate();                             // SIGTERM; resolves with the exit code
//   const check = checkDatabase(inst, load);           // integrity, acked vs persisted, recounts
//
// Client addresses: Bun's fetch cannot pick a local address (it ignores `localAddress`), node:http
// can: the raw clients use one keep-alive `http.Agent` per source address 127.0.0.2…, so the server
// sees many clients; the client-library devices use the global fetch from 127.0.0.1. The server
// runs with `--api-rate-limit 0` so that load is not refused as a flood.
//
// Every wait is bounded in time, every loop in count and time; traffic goes to 127.0.0.1 only.
import { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Subprocess } from "bun";
import { LtsClient } from "../../src/client";
import { parseLicenseKey } from "../../src/client/license-key";
import { pinKeys, type PinnedKeys } from "../../src/client/signature";
import { BINARY, collect, VENDOR_BINARY } from "../helpers/binary";

export const PASSWORD = "fault-harness-password-1";
export const SCAN_ITEM = "900001001";
export const DEVICE_ITEM = "900001002";
const SLOT_MS = 3 * 60_000;

// ---------------------------------------------------------------------------------------------
// Randomness: seeded, so a failing run can be replayed (the seed is printed).

/** mulberry32: a small seeded PRNG; `next()` in [0, 1). */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a compiled binary to its end (at most `timeoutMs`), only PATH in its environment. */
export async function runBinary(binary: string, args: string[], options: { cwd?: string; stdin?: string; timeoutMs?: number } = {}): Promise<Run> {
  const child = Bun.spawn([binary, ...args], {
    cwd: options.cwd,
    stdin: options.stdin !== undefined ? new TextEncoder().encode(options.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "" },
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  clearTimeout(killer);
  return { code, stdout, stderr };
}

/** A port that was free a moment ago on 127.0.0.1 (the server must keep it across restarts). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

export interface Instance {
  /** Temp root (custom ID file, license files); removed by `dispose()`. */
  root: string;
  dataDir: string;
  port: number;
  url: string;
  uuid: string;
  licenseKey: string;
  handshakeCode: string;
  /** Sets up removal of the temp root. */
  dispose(): void;
}

/**
 * A data dir set up as an operator would, with the server stopped: the management password
 * (`lts set-password --stdin`), the machine UUID from a custom ID file, a demo license (issued
 * and activated by dist/lts-vendor) imported as code `<org>-sys`, the server URL and the license
 * key (`lts codes --json`). Items: 1,000,000,000 scans (never exhausted by a test) and 1,000 devices.
 */
export async function prepareInstance(options: { dataDir?: string; port?: number } = {}): Promise<Instance> {
  for (const binary of [BINARY, VENDOR_BINARY]) if (!existsSync(binary)) throw new Error(`${binary} does not exist: run \`bun scripts/build.ts\` first`);
  const root = mkdtempSync(join(tmpdir(), "lts-system-"));
  const dataDir = options.dataDir ?? join(root, "lts-data");
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? freePort();
  const url = `http://127.0.0.1:${port}`;
  const lts = async (...args: string[]) => expectOk(await runBinary(BINARY, [...args, "--data-dir", dataDir], { cwd: root }), args);
  const vendor = async (...args: string[]) => expectOk(await runBinary(VENDOR_BINARY, args, { cwd: root }), ["lts-vendor", ...args]);

  expectOk(await runBinary(BINARY, ["set-password", "--stdin", "--data-dir", dataDir], { cwd: root, stdin: PASSWORD + "\n" }), ["set-password"]);
  writeFileSync(join(root, "custom-id"), `fault-harness-${randomBytes(8).toString("hex")}\n`);
  const generated = await lts("uuid", "generate", "--labels", "custom", "--custom-id-file", join(root, "custom-id"), "--yes");
  const uuid = generated.stdout.match(/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}/)?.[0];
  if (!uuid) throw new Error(`lts uuid generate printed no UUID:\n${generated.stdout}`);

  const day = 86_400_000;
  const now = Date.now();
  const dates = { startsAt: new Date(now - 10 * day).toISOString(), expiresAt: new Date(now + 300 * day).toISOString() };
  const product = { product: "dbr", version: 10, edition: "javascript", deploymentTypes: ["browser"], modules: [] };
  const spec = {
    licenseId: "900001",
    alias: "Fault harness",
    organizationId: "100900",
    licensee: "Harness Corp",
    items: [
      { itemId: SCAN_ITEM, description: "Harness scans", ...product, chargeWay: "scan", quantity: 1_000_000_000, ...dates },
      { itemId: DEVICE_ITEM, description: "Harness devices", ...product, chargeWay: "device", quantity: 1000, windowDays: 365, ...dates },
    ],
  };
  writeFileSync(join(root, "spec.json"), JSON.stringify(spec));
  await vendor("issue", "--spec", "spec.json", "--out", "new.lic", "--demo");
  await vendor("activate", "--license", "new.lic", "--uuid", uuid, "--out", "activated.lic", "--demo");
  await lts("import", join(root, "activated.lic"), "--code", "sys");
  await lts("server-url", "--main", `${url}/`);
  const codes = JSON.parse((await lts("codes", "--json")).stdout) as { code: string; licenseKey: string }[];
  const code = codes.find((c) => c.code === "100900-sys");
  if (!code) throw new Error(`lts codes --json lists no 100900-sys: ${JSON.stringify(codes)}`);
  return { root, dataDir, port, url, uuid, licenseKey: code.licenseKey, handshakeCode: code.code, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

function expectOk(run: Run, args: string[]): Run {
  if (run.code !== 0) throw new Error(`${args.join(" ")} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return run;
}

export interface SpawnOptions {
  /** A command the server runs under (faketime, strace, …). */
  wrap?: string[];
  env?: Record<string, string>;
}

/** The running server: `dist/lts serve` on the instance's port, its output kept. */
export class LtsProcess {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  /** Milliseconds from spawn to the first `/healthz` 200. */
  readyMs = Number.NaN;
  private readonly output: Promise<unknown>;

  private constructor(
    readonly child: Subprocess<"ignore", "pipe", "pipe">,
    readonly instance: Pick<Instance, "url">,
  ) {
    this.output = Promise.all([collect(child.stdout, (l) => this.lines.push(l)), collect(child.stderr, (l) => this.stderr.push(l))]);
    LIVE.add(child);
    void child.exited.then(() => LIVE.delete(child));
  }

  /**
   * `dist/lts serve` with `--api-rate-limit 0` and `extraArgs`. `wrap` runs it under another
   * command (e.g. `["faketime", "-f", "-48h"]` for clock jumps), `env` adds variables.
   */
  static spawn(instance: Pick<Instance, "dataDir" | "port" | "url">, extraArgs: string[] = [], options: SpawnOptions = {}): LtsProcess {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("LTS_"))) as Record<string, string>;
    const args = ["serve", "--host", "127.0.0.1", "--port", String(instance.port), "--data-dir", instance.dataDir, "--api-rate-limit", "0", ...extraArgs];
    return new LtsProcess(Bun.spawn([...(options.wrap ?? []), BINARY, ...args], { env: { ...env, ...options.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" }), instance);
  }

  /** Spawns and waits (at most `timeoutMs`) until `/healthz` answers 200; `readyMs` says how long it took. */
  static async start(instance: Pick<Instance, "dataDir" | "port" | "url">, extraArgs: string[] = [], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<LtsProcess> {
    const started = performance.now();
    const lts = LtsProcess.spawn(instance, extraArgs, options);
    const timeoutMs = options.timeoutMs ?? 15_000;
    await lts.waitReady(timeoutMs, started);
    return lts;
  }

  get pid(): number {
    return this.child.pid;
  }

  async waitReady(timeoutMs: number, since = performance.now()): Promise<void> {
    const deadline = since + timeoutMs;
    while (performance.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) break;
      const status = await fetch(`${this.instance.url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status, () => 0);
      if (status === 200) {
        this.readyMs = performance.now() - since;
        return;
      }
      await Bun.sleep(20);
    }
    await Promise.race([this.output, Bun.sleep(500)]);
    throw new Error(`dist/lts was not ready within ${timeoutMs} ms (exit ${this.child.exitCode ?? this.child.signalCode}):\n${this.tail()}`);
  }

  /** kill -9, and wait for the process to be gone. */
  async kill9(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.exited;
  }

  /** SIGTERM; the exit code (SIGKILL after `timeoutMs`, then 137). */
  async terminate(timeoutMs = 10_000): Promise<number> {
    this.child.kill("SIGTERM");
    const killer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const code = await this.child.exited;
    clearTimeout(killer);
    await Promise.race([this.output, Bun.sleep(1000)]);
    return this.child.signalCode ? 128 + 9 : code;
  }

  tail(n = 30): string {
    return [...this.lines, ...this.stderr].slice(-n).join("\n");
  }
}

/** Children still running when the test process ends are killed (a failed test never stopped them). */
const LIVE = new Set<Subprocess>();
process.once("exit", () => LIVE.forEach((child) => child.kill("SIGKILL")));


// ---------------------------------------------------------------------------------------------
// The raw API client: node:http with a keep-alive agent per source address.

export interface ApiAnswer {
  status: number;
  body: { ok: boolean; error?: { code: number; name: string; message: string }; [key: string]: unknown };
  /** Why the LTS-Signature check failed, or null when the body is signed by the instance key. */
  signatureProblem: string | null;
}

const agents = new Map<string, http.Agent>();
function agentFor(localAddress: string): http.Agent {
  let agent = agents.get(localAddress);
  if (!agent) agents.set(localAddress, (agent = new http.Agent({ keepAlive: true, maxSockets: 8, localAddress } as http.AgentOptions)));
  return agent;
}

/** Closes every keep-alive socket of the raw clients. */
export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** A source address in 127.0.0.2–127.0.0.(1 + count) for client `i`. */
export function sourceAddress(i: number, count = 32): string {
  return `127.0.0.${2 + (i % count)}`;
}

/**
 * POSTs JSON to the API from `localAddress`; resolves with the answer, rejects on a network error
 * (refused, reset, timeout). The answer's signature is checked against the license key's pinned keys.
 */
export function postApi(url: string, path: string, payload: object, localAddress: string, keys: PinnedKeys, timeoutMs = 5000): Promise<ApiAnswer> {
  const target = new URL(url);
  const data = JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `/api/v1${path}`,
        method: "POST",
        agent: agentFor(localAddress),
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("error", reject);
        res.on("end", async () => {
          const bytes = new Uint8Array(Buffer.concat(chunks));
          try {
            const body = JSON.parse(new TextDecoder().decode(bytes));
            const header = res.headers["lts-signature"];
            resolve({ status: res.statusCode ?? 0, body, signatureProblem: await keys.check(typeof header === "string" ? header : null, bytes) });
          } catch (error) {
            reject(new Error(`unreadable answer (${res.statusCode}): ${(error as Error).message}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(data);
  });
}

export function nonce(): string {
  return randomBytes(16).toString("base64url");
}

export function slotNow(now = Date.now()): string {
  return new Date(Math.floor(now / SLOT_MS) * SLOT_MS).toISOString();
}

export function pinnedKeysOf(licenseKey: string): Promise<PinnedKeys> {
  return pinKeys(parseLicenseKey(licenseKey).pk);
}

// ---------------------------------------------------------------------------------------------
// Load: devices that authorize and report, and remember every acknowledged report.

export interface LoadStats {
  /** Requests answered, by "status code" (e.g. "200", "503 code 2"). */
  answers: Record<string, number>;
  /** Requests that got no answer (refused connection, reset, timeout), by message. */
  networkErrors: Record<string, number>;
  /** Answers that break a rule (unsigned, unexpected code): must stay empty. */
  violations: string[];
}

interface PendingReport {
  reportId: string;
  records: { slot: string; counts: { scans: number } }[];
  total: number;
}

/**
 * Devices that authorize (scan and device items) and report scans, each one request at a time,
 * resending an unacknowledged report unchanged (same reportId and records, fresh nonce) until it
 * is acknowledged. `acked` holds every report answered 200, by "device|reportId", with its count.
 */
export class Load {
  readonly acked = new Map<string, number>();
  /** Devices whose device-item authorize was answered 200 (their seat must be in the database). */
  readonly deviceGrants = new Set<string>();
  readonly stats: LoadStats = { answers: {}, networkErrors: {}, violations: [] };
  private running = false;
  private loops: Promise<void>[] = [];
  private keys!: PinnedKeys;
  private readonly raw: { uuid: string; address: string; scanGranted: boolean; deviceGranted: boolean; pending: PendingReport | null; seq: number }[];
  private readonly library: { uuid: string; client: LtsClient; counted: number }[] = [];
  private readonly random: ReturnType<typeof seededRandom>;

  constructor(
    private readonly instance: Instance,
    options: { rawDevices: number; libraryDevices: number; seed: number; addresses?: number },
  ) {
    this.random = seededRandom(options.seed ^ 0x5eed);
    this.raw = Array.from({ length: options.rawDevices }, (_, i) => ({
      uuid: `raw-device-${String(i).padStart(4, "0")}`,
      address: sourceAddress(i, options.addresses ?? 32),
      scanGranted: false,
      deviceGranted: false,
      pending: null,
      seq: 0,
    }));
    for (let i = 0; i < options.libraryDevices; i++) {
      const uuid = `lib-device-${String(i).padStart(4, "0")}`;
      const client = new LtsClient({
        licenseKey: instance.licenseKey,
        device: { uuid },
        product: "dbr",
        version: 10,
        edition: "javascript",
        deploymentType: "browser",
        chargeWay: "scan",
        autoReport: false,
        timeoutMs: 3000,
        onEvent: (event) => {
          if (event.type === "report-sent") this.acked.set(`${uuid}|${event.reportId}`, event.usage);
        },
      });
      this.library.push({ uuid, client, counted: 0 });
    }
  }

  /** Scans the library devices counted (all of it must end up acknowledged). */
  get libraryCounted(): number {
    return this.library.reduce((sum, d) => sum + d.counted, 0);
  }

  /** Reports not yet acknowledged. */
  get unacknowledged(): number {
    return this.raw.filter((d) => d.pending).length + this.library.reduce((n, d) => n + d.client.status().waitingReports + (d.client.status().pendingSlots > 0 ? 1 : 0), 0);
  }

  async start(): Promise<void> {
    this.keys = await pinnedKeysOf(this.instance.licenseKey);
    this.running = true;
    this.loops = [...this.raw.map((d) => this.rawLoop(d)), ...this.library.map((d) => this.libraryLoop(d))];
  }

  /** Stops making new usage (at most `timeoutMs` for the loops to notice). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    await Promise.race([Promise.all(this.loops), Bun.sleep(timeoutMs)]);
  }

  /** Resends every unacknowledged report until acknowledged, for at most `timeoutMs`; the count left. */
  async drain(timeoutMs = 30_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    const rawDrains = this.raw.map(async (d) => {
      while (d.pending && performance.now() < deadline) if (!(await this.sendReport(d))) await Bun.sleep(50);
    });
    const libDrains = this.library.map(async (d) => {
      while (performance.now() < deadline) {
        const status = d.client.status();
        if (status.waitingReports === 0 && status.pendingSlots === 0) return;
        await d.client.flush().catch(() => undefined);
        await Bun.sleep(20);
      }
    });
    await Promise.all([...rawDrains, ...libDrains]);
    return this.unacknowledged;
  }

  async close(): Promise<void> {
    await Promise.all(this.library.map((d) => d.client.close().catch(() => undefined)));
    closeAgents();
  }

  private note(kind: string) {
    this.stats.answers[kind] = (this.stats.answers[kind] ?? 0) + 1;
  }

  private async call(device: { uuid: string; address: string }, path: string, payload: object): Promise<ApiAnswer | null> {
    try {
      const answer = await postApi(this.instance.url, path, payload, device.address, this.keys);
      const code = answer.body.error?.code;
      this.note(code === undefined ? String(answer.status) : `${answer.status} code ${code}`);
      if (answer.signatureProblem) this.stats.violations.push(`${path} ${answer.status}: ${answer.signatureProblem}`);
      if (answer.status >= 500 && !(answer.status === 503 && (code === 2 || code === 100))) this.stats.violations.push(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer;
    } catch (error) {
      const message = (error as Error & { code?: string }).code ?? (error as Error).message;
      this.stats.networkErrors[message] = (this.stats.networkErrors[message] ?? 0) + 1;
      return null;
    }
  }

  private authorizeBody(uuid: string, chargeWay: "scan" | "device") {
    return { handshakeCode: this.instance.handshakeCode, device: { uuid }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay, nonce: nonce() };
  }

  /** True when the device's pending report was acknowledged. */
  private async sendReport(d: (typeof this.raw)[number]): Promise<boolean> {
    const report = d.pending!;
    const answer = await this.call(d, "/report", { handshakeCode: this.instance.handshakeCode, itemId: SCAN_ITEM, device: { uuid: d.uuid }, reportId: report.reportId, records: report.records, nonce: nonce() });
    if (answer?.status === 200 && answer.body.ok) {
      this.acked.set(`${d.uuid}|${report.reportId}`, report.total);
      d.pending = null;
      return true;
    }
    if (answer && answer.status !== 503) this.stats.violations.push(`report ${report.reportId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return false;
  }

  private async rawLoop(d: (typeof this.raw)[number]): Promise<void> {
    for (let i = 0; this.running && i < 1_000_000; i++) {
      if (!d.deviceGranted) {
        const answer = await this.call(d, "/authorize", this.authorizeBody(d.uuid, "device"));
        if (answer?.status === 200) (d.deviceGranted = true), this.deviceGrants.add(d.uuid);
        else await Bun.sleep(50);
        continue;
      }
      if (!d.scanGranted || this.random.next() < 0.2) {
        const answer = await this.call(d, "/authorize", this.authorizeBody(d.uuid, "scan"));
        if (answer?.status === 200) d.scanGranted = true;
        else if (!answer || answer.status === 503) await Bun.sleep(50);
        else this.stats.violations.push(`authorize ${d.uuid}: ${answer.status} ${JSON.stringify(answer.body)}`);
        continue;
      }
      if (!d.pending) {
        const now = Date.now();
        const records = [{ slot: slotNow(now), counts: { scans: this.random.int(1, 9) } }];
        if (this.random.next() < 0.3) records.unshift({ slot: slotNow(now - SLOT_MS), counts: { scans: this.random.int(1, 9) } });
        d.pending = { reportId: `${d.uuid.slice(-4)}r${++d.seq}x${randomBytes(3).toString("hex")}`, records, total: records.reduce((n, r) => n + r.counts.scans, 0) };
      }
      if (!(await this.sendReport(d))) await Bun.sleep(50);
    }
  }

  private async libraryLoop(d: (typeof this.library)[number]): Promise<void> {
    for (let i = 0; this.running && i < 1_000_000; i++) {
      const status = d.client.status();
      if (status.state !== "granted") {
        await d.client.authorize().catch(() => undefined);
        if (d.client.status().state !== "granted") await Bun.sleep(50);
        continue;
      }
      const n = this.random.int(1, 5);
      d.client.count("scans", n);
      d.counted += n;
      await d.client.flush().catch(() => undefined);
      await Bun.sleep(10);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The database, read after the server stopped.

export interface DatabaseCheck {
  integrity: string;
  /** Acknowledged reports missing from the `reports` table: must be empty. */
  missingReports: string[];
  /** `reports` rows for scan reports (every one of them was acknowledged after the drain). */
  reportRows: number;
  ackedReports: number;
  ackedScans: number;
  /** Σ usage_records.count for the scan item. */
  ledgerScans: number;
  /** item_counters.consumed for the scan item. */
  consumed: number;
  /** Device-item grants answered 200 whose seat is not in item_devices: must be empty. */
  missingDevices: string[];
}

export function checkDatabase(dataDir: string, load: Pick<Load, "acked" | "deviceGrants">): DatabaseCheck {
  const db = new Database(join(dataDir, "lts.db"), { readonly: true });
  try {
    const integrity = (db.query("PRAGMA integrity_check").all() as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
    const itemRow = (itemId: string) => (db.query("SELECT id FROM license_items WHERE item_id = ?").get(itemId) as { id: number }).id;
    const scanRow = itemRow(SCAN_ITEM);
    const rows = db.query("SELECT device_uuid AS d, report_id AS r FROM reports").all() as { d: string; r: string }[];
    const stored = new Set(rows.map((row) => `${row.d}|${row.r}`));
    const ledgerScans = (db.query("SELECT coalesce(sum(count), 0) AS n FROM usage_records WHERE item_row_id = ?").get(scanRow) as { n: number }).n;
    const consumed = (db.query("SELECT coalesce(max(consumed), 0) AS n FROM item_counters WHERE item_row_id = ?").get(scanRow) as { n: number }).n;
    const devices = new Set((db.query("SELECT device_uuid AS d FROM item_devices WHERE item_row_id = ?").all(itemRow(DEVICE_ITEM)) as { d: string }[]).map((r) => r.d));
    return {
      integrity,
      missingReports: [...load.acked.keys()].filter((key) => !stored.has(key)),
      reportRows: rows.length,
      ackedReports: load.acked.size,
      ackedScans: [...load.acked.values()].reduce((a, b) => a + b, 0),
      ledgerScans,
      consumed,
      missingDevices: [...load.deviceGrants].filter((uuid) => !devices.has(uuid)),
    };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Storage faults: tmpfs mounts (root only), file hashes.

/**
 * Why tmpfs mounts cannot be used here, or null when they can (root). Under CI=true a missing
 * capability is a failure, not a skip: the fault tests must run there.
 */
export function mountUnavailable(): string | null {
  if (process.getuid?.() === 0) return null;
  const reason = "the disk-full and read-only tests mount a tmpfs, which needs root; run them as root (CI does)";
  if (process.env.CI === "true") throw new Error(reason);
  return reason;
}

/** Mounts a tmpfs of `sizeMb` MiB at `dir` (created); returns the function that unmounts it. */
export function mountTmpfs(dir: string, sizeMb: number): { remount(options: string): void; unmount(): void } {
  mkdirSync(dir, { recursive: true });
  const run = (...cmd: string[]) => {
    const result = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", timeout: 10_000 });
    if (result.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${result.stderr.toString()}`);
  };
  run("mount", "-t", "tmpfs", "-o", `size=${sizeMb}m,mode=0700`, "tmpfs", dir);
  let mounted = true;
  return {
    remount: (options) => run("mount", "-o", `remount,${options}`, dir),
    unmount: () => {
      if (mounted) run("umount", "-l", dir);
      mounted = false;
    },
  };
}

/** SHA-256 of every file under `dir` (relative path → hex), directories and the logs folder left out. */
export function hashFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const rel = relative(dir, path);
    if (rel.startsWith("logs")) continue;
    out[rel] = createHash("sha256").update(readFileSync(path)).digest("hex");
  }
  return out;
}
