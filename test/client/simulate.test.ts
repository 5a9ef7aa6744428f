import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempDir } from "../helpers/temp";
import { closedUrl, FakeServer, licenseKeyString, makeServerKey, type FakeServerOptions } from "./fake-server";

const SCRIPT = resolve(import.meta.dir, "../../scripts/simulate.ts");
const servers: FakeServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});

/** A fake server on the real clock (the simulator uses the real clock) and a key for it. */
async function serverAndKey(options: Partial<FakeServerOptions> = {}): Promise<{ server: FakeServer; key: string }> {
  const signing = await makeServerKey();
  const server = new FakeServer({ key: signing, ...options });
  servers.push(server);
  return { server, key: licenseKeyString({ hc: "100200-appA", org: "100200", main: server.url, pk: [signing.publicKey] }) };
}

/**
 * The simulator runs on the real clock in a child process, so how much it counts in a run depends on
 * the machine's speed: bounds are taken from the run's own summary (its measured length, what it
 * counted), never a fixed window. The report timer itself is specified on injected timers in
 * usage.test.ts ("the report timer").
 */
function summary(out: string): { seconds: number; counted: number } {
  const seconds = Number(out.match(/Summary after ([\d.]+) s:/)?.[1]);
  const counted = Number(out.match(/usage {7}counted (\d+),/)?.[1]);
  expect(seconds).toBeGreaterThan(0);
  return { seconds, counted };
}

async function simulate(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = Bun.spawn([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, out, err };
}

describe("scripts/simulate.ts", () => {
  test("drives N devices: authorize, count at the rate, report on the interval, release; summary and exit 0", async () => {
    const { server, key } = await serverAndKey({ chargeWay: "concurrent-device", validForMs: 6 * 60_000 });
    const run = await simulate(["--key", key, "--devices", "3", "--rate", "20", "--duration", "2", "--report-interval", "0.5", "--charge-way", "concurrent-device", "--modules", "qr,oned"]);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: "" });
    expect(server.received("authorize").map((b) => b.device.uuid).sort()).toEqual(["sim-device-0001", "sim-device-0002", "sim-device-0003"]);
    expect(server.received("authorize")[0]).toMatchObject({ chargeWay: "concurrent-device", modules: ["qr", "oned"], product: "dbr", version: 10, edition: "javascript", deploymentType: "browser" });
    expect(server.received("release")).toHaveLength(3);
    // Each device's final flush at least, and never more often than --report-interval.
    const { seconds, counted } = summary(run.out);
    expect(server.received("report").length).toBeGreaterThanOrEqual(3);
    expect(server.received("report").length).toBeLessThanOrEqual(3 * (Math.ceil(seconds / 0.5) + 1));
    const names = new Set(server.received("report").flatMap((r) => r.records.flatMap((rec: { counts: object }) => Object.keys(rec.counts))));
    expect([...names].sort()).toEqual(["oned", "qr"]);
    // Never faster than 3 devices × 20/s over the run's length; every count reported.
    expect(server.consumed).toBeGreaterThan(0);
    expect(server.consumed).toBeLessThanOrEqual(3 * 20 * seconds);
    expect(server.consumed).toBe(counted);
    expect(run.out).toContain(`counted ${server.consumed}, reported ${server.consumed}`);
    expect(run.out).toContain("devices     3: 3 granted");
    expect(run.out).toContain("seats       3 released");
    expect(run.out).toContain("refusals    none");
  }, 20_000);

  test("refusals are results: shown by code, exit 0", async () => {
    const { server, key } = await serverAndKey();
    server.refuseAuthorize = { code: 111, name: "LICENSE_EXPIRED" };
    const run = await simulate(["--key", key, "--devices", "2", "--duration", "1"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("refusals    111 LICENSE_EXPIRED ×2");
    expect(run.out).toContain("devices     2: 2 refused");
    expect(server.received("report")).toHaveLength(0);
  }, 20_000);

  test("usage past the cap: devices are told 120 and stop counting", async () => {
    const { server, key } = await serverAndKey({ cap: 10 });
    const run = await simulate(["--key", key, "--devices", "2", "--rate", "50", "--duration", "2", "--report-interval", "0.3", "--charge-way", "scan"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/refusals {4}120 USAGE_EXCEEDED ×\d/);
    expect(run.out).toMatch(/devices {5}2: 2 exhausted/);
    // They stopped: once the cap was reached, each device sent at most one more report (answered 120).
    let total = 0;
    let afterCap = 0;
    for (const r of server.received("report")) {
      if (total >= 10) afterCap++;
      for (const record of r.records as { counts: Record<string, number> }[]) total += Object.values(record.counts).reduce((x, y) => x + y, 0);
    }
    expect(total).toBeGreaterThan(10);
    expect(afterCap).toBeLessThanOrEqual(2);
    expect(server.consumed).toBe(summary(run.out).counted);
  }, 20_000);

  test("a server that cannot be reached is an unexpected error: exit 1", async () => {
    const signing = await makeServerKey();
    const key = licenseKeyString({ hc: "100200-appA", org: "100200", main: closedUrl(), pk: [signing.publicKey] });
    const run = await simulate(["--key", key, "--devices", "2", "--duration", "1", "--timeout-ms", "500"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("sim-device-0001: authorize: Could not reach the license server");
  }, 20_000);

  test("bad arguments: exit 2 with what to fix", async () => {
    const { key } = await serverAndKey();
    for (const args of [[], ["--key", "LTS1!"], ["--key", key, "--devices", "0"], ["--key", key, "--devices", "1001"], ["--key", key, "--charge-way", "seat"], ["--key", key, "--bogus"]]) {
      const run = await simulate(args);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/^simulate: /);
    }
  }, 20_000);

  test("--state-file keeps the devices' state: usage a run could not report is sent by the next run", async () => {
    const dir = tempDir();
    const state = join(dir, "state.json");
    const { server, key } = await serverAndKey();
    server.refuseReports = { code: 2, name: "STORAGE_UNAVAILABLE" };
    const first = await simulate(["--key", key, "--devices", "1", "--rate", "10", "--duration", "1", "--state-file", state]);
    expect(first.code).toBe(1);
    expect(first.err).toMatch(/left unreported/);
    expect(existsSync(state)).toBe(true);
    expect(server.consumed).toBe(0);

    server.refuseReports = null;
    const second = await simulate(["--key", key, "--devices", "1", "--rate", "0", "--duration", "1", "--state-file", state]);
    expect(second.code).toBe(0);
    const { counted } = summary(first.out);
    expect(counted).toBeGreaterThan(0);
    expect(server.consumed).toBe(counted);
  }, 20_000);
});
