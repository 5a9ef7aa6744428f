#!/usr/bin/env bun
// Device simulator: N simulated devices against a running LTS server, through the client library
// (src/client) exactly as an SDK would use it.
//
//   bun scripts/simulate.ts --key LTS1… [--devices 20] [--charge-way auto] [--rate 5] [--duration 30]
//       [--product dbr] [--version 10] [--edition javascript] [--deployment browser]
//       [--modules qr,oned] [--count NAME,…] [--instances N] [--domain app.example.com]
//       [--report-interval S] [--timeout-ms 10000] [--device-prefix sim-device] [--state-file F]
//       [--key-file F]   (instead of --key, so the session password stays out of `ps`)
//
// Each device (uuid `<device-prefix>-0001` …) authorizes, counts `--rate` uses per second — of
// `--count` names if given, else of `--modules` round robin, else `pages` for a page item and
// `scans` otherwise —, reports on the client's timer (every `reportIntervalSeconds` of its grant,
// or `--report-interval`), and at the end flushes and releases its seat. A device that is refused
// or exhausted (120) stops counting, as an SDK would.
//
// Progress: one status line updated in place on a TTY, a plain line every 5 s otherwise; then a
// summary. Exit status: 0 when the run completed (refusals are results, shown by code), 1 on
// unexpected errors (a server that cannot be reached, usage left unreported, exceptions), 2 on bad
// arguments. Bounded: ≤ 1000 devices, ≤ 1000 uses per device per second, ≤ 3600 s, and a hard stop
// 120 s after the planned end. It talks only to the servers named in the license key. Ctrl-C ends
// the counting early and still flushes and releases; a second Ctrl-C exits at once.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  CHARGE_WAYS,
  DEPLOYMENT_TYPES,
  LicenseKeyError,
  LtsClient,
  LtsClientError,
  parseLicenseKey,
  type ChargeWay,
  type DeploymentType,
  type LtsClientEvent,
  type LtsClientState,
  type LtsStorage,
} from "../src/client";

const LIMITS = { devices: 1_000, rate: 1_000, duration: 3_600, reportInterval: 3_600 };
const TICK_MS = 200;
const PLAIN_PROGRESS_EVERY_MS = 5_000;
const GRACE_AFTER_END_MS = 120_000;

class UsageError extends Error {}

interface Settings {
  key: string;
  devices: number;
  chargeWay: ChargeWay;
  rate: number;
  durationSeconds: number;
  product: string;
  version: number;
  edition: string;
  deploymentType: DeploymentType;
  modules?: string[];
  countNames?: string[];
  instances?: number;
  domain?: string;
  reportIntervalSeconds?: number;
  timeoutMs: number;
  devicePrefix: string;
  stateFile?: string;
}

const HELP = readFileSync(import.meta.path, "utf8")
  .split("\n")
  .slice(1)
  .filter((line) => line.startsWith("//"))
  .map((line) => line.replace(/^\/\/ ?/, ""))
  .join("\n");

function parseSettings(argv: string[]): Settings {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      key: { type: "string" },
      "key-file": { type: "string" },
      devices: { type: "string", default: "20" },
      "charge-way": { type: "string", default: "auto" },
      rate: { type: "string", default: "5" },
      duration: { type: "string", default: "30" },
      product: { type: "string", default: "dbr" },
      version: { type: "string", default: "10" },
      edition: { type: "string", default: "javascript" },
      deployment: { type: "string", default: "browser" },
      modules: { type: "string" },
      count: { type: "string" },
      instances: { type: "string" },
      domain: { type: "string" },
      "report-interval": { type: "string" },
      "timeout-ms": { type: "string", default: "10000" },
      "device-prefix": { type: "string", default: "sim-device" },
      "state-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument: ${positionals[0]}`);
  if ((values.key === undefined) === (values["key-file"] === undefined)) throw new UsageError("Give the license key with --key LTS1… or --key-file FILE (one of them).");
  const key = values.key ?? readFileSync(values["key-file"]!, "utf8").trim();
  try {
    parseLicenseKey(key);
  } catch (error) {
    if (error instanceof LicenseKeyError) throw new UsageError(error.message);
    throw error;
  }
  const number = (name: string, text: string, min: number, max: number, integer = false): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max} (got ${JSON.stringify(text)}).`);
    }
    return n;
  };
  const list = (text: string | undefined) => (text === undefined ? undefined : text.split(",").map((s) => s.trim()).filter((s) => s.length > 0));
  const chargeWay = values["charge-way"]!;
  if (!(CHARGE_WAYS as readonly string[]).includes(chargeWay)) throw new UsageError(`--charge-way must be one of ${CHARGE_WAYS.join(", ")}.`);
  const deployment = values.deployment!;
  if (!(DEPLOYMENT_TYPES as readonly string[]).includes(deployment)) throw new UsageError(`--deployment must be one of ${DEPLOYMENT_TYPES.join(", ")}.`);
  const prefix = values["device-prefix"]!;
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(prefix)) throw new UsageError("--device-prefix must be 1 to 100 letters, digits, '_' or '-'.");
  return {
    key,
    devices: number("devices", values.devices!, 1, LIMITS.devices, true),
    chargeWay: chargeWay as ChargeWay,
    rate: number("rate", values.rate!, 0, LIMITS.rate),
    durationSeconds: number("duration", values.duration!, 1, LIMITS.duration),
    product: values.product!,
    version: number("version", values.version!, 0, Number.MAX_SAFE_INTEGER, true),
    edition: values.edition!,
    deploymentType: deployment as DeploymentType,
    modules: list(values.modules),
    countNames: list(values.count),
    instances: values.instances === undefined ? undefined : number("instances", values.instances, 1, 1_000_000, true),
    domain: values.domain,
    reportIntervalSeconds: values["report-interval"] === undefined ? undefined : number("report-interval", values["report-interval"], 0.1, LIMITS.reportInterval),
    timeoutMs: number("timeout-ms", values["timeout-ms"]!, 100, 120_000, true),
    devicePrefix: prefix,
    stateFile: values["state-file"],
  };
}

/** All devices' client state in one JSON file, written atomically; so a second run picks up unreported usage. */
class FileStorage implements LtsStorage {
  private readonly entries: Record<string, string>;
  constructor(private readonly path: string) {
    this.entries = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, string>) : {};
  }
  get(key: string): string | undefined {
    return this.entries[key];
  }
  set(key: string, value: string): void {
    this.entries[key] = value;
    this.save();
  }
  delete(key: string): void {
    delete this.entries[key];
    this.save();
  }
  private save(): void {
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.entries));
    renameSync(`${this.path}.tmp`, this.path);
  }
}

interface Stats {
  counted: number;
  reported: number;
  reports: number;
  failovers: number;
  dropped: number;
  released: number;
  refusals: Map<string, number>;
  errors: string[];
}

class Device {
  readonly client: LtsClient;
  state: LtsClientState | "failed" = "unauthorized";
  private carry = 0;
  private next = 0;
  private names: string[] = [];

  constructor(
    readonly uuid: string,
    settings: Settings,
    storage: LtsStorage | undefined,
    private readonly stats: Stats,
  ) {
    this.client = new LtsClient({
      licenseKey: settings.key,
      device: { uuid, name: `simulated ${uuid}` },
      product: settings.product,
      version: settings.version,
      edition: settings.edition,
      deploymentType: settings.deploymentType,
      chargeWay: settings.chargeWay,
      ...(settings.modules ? { modules: settings.modules } : {}),
      ...(settings.instances !== undefined ? { instances: settings.instances } : {}),
      ...(settings.domain !== undefined ? { validation: { domain: settings.domain } } : {}),
      ...(settings.reportIntervalSeconds !== undefined ? { reportIntervalSeconds: settings.reportIntervalSeconds } : {}),
      timeoutMs: settings.timeoutMs,
      ...(storage ? { storage } : {}),
      onEvent: (event) => this.onEvent(event),
    });
    this.names = settings.countNames ?? settings.modules ?? [];
  }

  async start(): Promise<void> {
    try {
      const result = await this.client.authorize();
      if (result.ok && this.names.length === 0) this.names = [result.license.chargeWay === "page" ? "pages" : "scans"];
      this.state = this.client.status().state;
    } catch (error) {
      this.fail("authorize", error);
    }
  }

  /** Counts what `rate` per second makes over `elapsedMs`, spread over the names. */
  work(rate: number, elapsedMs: number): void {
    if (this.state === "failed") return;
    this.state = this.client.status().state;
    if (this.state !== "granted") return;
    this.carry += (rate * elapsedMs) / 1000;
    const n = Math.floor(this.carry);
    this.carry -= n;
    const per = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const name = this.names[this.next++ % this.names.length]!;
      per.set(name, (per.get(name) ?? 0) + 1);
    }
    try {
      for (const [name, count] of per) this.client.count(name, count);
      this.stats.counted += n;
    } catch (error) {
      this.fail("count", error);
    }
  }

  /** Flushes, releases the seat (concurrent charge ways), closes; returns what stayed unreported. */
  async stop(): Promise<number> {
    try {
      if (this.state !== "unauthorized" && this.state !== "failed") {
        const released = await this.client.release();
        if (released.ok && released.released) this.stats.released += 1;
      }
    } catch (error) {
      this.fail("release", error);
    }
    const { pendingSlots, waitingReports } = this.client.status();
    await this.client.close();
    return pendingSlots + waitingReports;
  }

  private onEvent(event: LtsClientEvent): void {
    const s = this.stats;
    switch (event.type) {
      case "report-sent":
        s.reported += event.usage;
        s.reports += 1;
        break;
      case "refused":
        bump(s.refusals, `${event.refusal.code} ${event.refusal.name}`);
        break;
      case "exhausted":
        bump(s.refusals, `${event.refusal.code} ${event.refusal.name}`);
        break;
      case "server-failed":
        if (event.next) s.failovers += 1;
        break;
      case "report-dropped":
        s.dropped += event.records;
        break;
      case "error":
        s.errors.push(`${this.uuid}: ${event.during}: ${event.message}`);
        break;
    }
  }

  private fail(during: string, error: unknown): void {
    this.state = "failed";
    const message = error instanceof LtsClientError || error instanceof Error ? error.message : String(error);
    this.stats.errors.push(`${this.uuid}: ${during}: ${message}`);
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function progressLine(elapsedMs: number, settings: Settings, devices: Device[], stats: Stats): string {
  const by = new Map<string, number>();
  for (const d of devices) bump(by, d.state);
  const states = ["granted", "refused", "exhausted", "expired", "failed", "unauthorized"]
    .filter((s) => (by.get(s) ?? 0) > 0 || s === "granted" || s === "refused")
    .map((s) => `${by.get(s) ?? 0} ${s}`)
    .join(", ");
  const refusals = stats.refusals.size === 0 ? "none" : [...stats.refusals].map(([code, n]) => `${code} ×${n}`).join(", ");
  return `[${(elapsedMs / 1000).toFixed(0)}s/${settings.durationSeconds}s] devices: ${states} | counted ${stats.counted}, reported ${stats.reported} in ${stats.reports} reports | refusals: ${refusals} | failovers ${stats.failovers} | errors ${stats.errors.length}`;
}

async function main(): Promise<number> {
  let settings: Settings;
  try {
    settings = parseSettings(Bun.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      console.error(`simulate: ${error.message}\nRun with --help for the options.`);
      return 2;
    }
    throw error;
  }
  const key = parseLicenseKey(settings.key);
  const hardStop = setTimeout(
    () => {
      console.error("\nsimulate: did not finish within 120 s after the planned end; giving up.");
      process.exit(1);
    },
    settings.durationSeconds * 1000 + GRACE_AFTER_END_MS,
  );

  const stats: Stats = { counted: 0, reported: 0, reports: 0, failovers: 0, dropped: 0, released: 0, refusals: new Map(), errors: [] };
  const storage = settings.stateFile ? new FileStorage(settings.stateFile) : undefined;
  const devices = Array.from({ length: settings.devices }, (_, i) => new Device(`${settings.devicePrefix}-${String(i + 1).padStart(4, "0")}`, settings, storage, stats));
  const tty = process.stdout.isTTY === true;
  const print = (line: string, final = false) => (tty ? process.stdout.write(`\r\x1b[2K${line}${final ? "\n" : ""}`) : console.log(line));

  console.log(`Simulating ${settings.devices} devices for ${settings.durationSeconds} s at ${settings.rate}/s each against ${key.main}${key.standby ? ` (standby ${key.standby})` : ""}`);
  const started = performance.now();
  let stopping = false;
  process.on("SIGINT", () => {
    if (stopping) process.exit(130);
    stopping = true;
  });

  // Authorize in batches so a thousand devices do not open a thousand sockets at once.
  for (let i = 0; i < devices.length; i += 50) await Promise.all(devices.slice(i, i + 50).map((d) => d.start()));

  let last = performance.now();
  let lastPrinted = 0;
  const end = started + settings.durationSeconds * 1000;
  while (!stopping && performance.now() < end) {
    await Bun.sleep(Math.min(TICK_MS, Math.max(0, end - performance.now())));
    const now = performance.now();
    for (const device of devices) device.work(settings.rate, now - last);
    last = now;
    if (tty || now - lastPrinted >= PLAIN_PROGRESS_EVERY_MS) {
      print(progressLine(now - started, settings, devices, stats));
      lastPrinted = now;
    }
  }
  print(progressLine(performance.now() - started, settings, devices, stats), true);

  console.log("Stopping: flushing usage and releasing seats…");
  let unreported = 0;
  for (let i = 0; i < devices.length; i += 50) unreported += (await Promise.all(devices.slice(i, i + 50).map((d) => d.stop()))).reduce((a, b) => a + b, 0);
  clearTimeout(hardStop);

  const by = new Map<string, number>();
  for (const d of devices) bump(by, d.state);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    [
      `Summary after ${seconds.toFixed(1)} s:`,
      `  devices     ${settings.devices}: ${[...by].map(([s, n]) => `${n} ${s}`).join(", ")}`,
      `  usage       counted ${stats.counted}, reported ${stats.reported} in ${stats.reports} reports${stats.dropped ? `, dropped ${stats.dropped} records` : ""}, unreported ${unreported} (slots and reports left in storage)`,
      `  refusals    ${stats.refusals.size === 0 ? "none" : [...stats.refusals].map(([code, n]) => `${code} ×${n}`).join(", ")}`,
      `  seats       ${stats.released} released`,
      `  failovers   ${stats.failovers}`,
      `  errors      ${stats.errors.length}`,
    ].join("\n"),
  );
  if (unreported > 0) stats.errors.push(`${unreported} slots or reports were left unreported`);
  for (const error of stats.errors.slice(0, 20)) console.error(`  ! ${error}`);
  if (stats.errors.length > 20) console.error(`  ! … and ${stats.errors.length - 20} more`);
  return stats.errors.length > 0 ? 1 : 0;
}

process.exit(await main());
