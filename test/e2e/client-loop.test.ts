// The whole loop on the compiled binaries: dist/lts-vendor issues and activates a license for the
// UUID dist/lts generated; `lts import` creates the code; the device simulator (the client
// library, as an SDK uses it) consumes the quota through the API until the server says 120.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { LtsClient } from "../../src/client";
import { closeDatabase } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { BINARY, runCommand as run, runVendor, startBinary, until, type RunningBinary } from "../helpers/binary";

const ROOT = resolve(import.meta.dir, "../..");
let lts: RunningBinary | undefined;
afterAll(() => lts?.stop());

describe("end to end: vendor → import → client library → quota", () => {
  test(
    "the simulator consumes a scan quota through the API of the compiled server until it is refused with 120",
    async () => {
      lts = await startBinary();
      const dataDir = lts.dataDir;
      const cli = (...args: string[]) => run([BINARY, ...args, "--data-dir", dataDir]);

      // The machine UUID, generated with the CLI while the server runs: it notices within seconds.
      const generated = await cli("uuid", "generate", "--labels", "machine-id", "--yes");
      expect(generated.code).toBe(0);
      const uuid = generated.stdout.match(/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}/)![0];
      await until("healthz ok", async () => ((await fetch(`${lts!.url}/healthz`)).status === 200 ? true : undefined));

      // The vendor issues 100 scans (cap 105 with the 5 % tolerance) and activates them for this UUID.
      const now = Date.now();
      const spec = {
        licenseId: "700001",
        alias: "Loop test",
        organizationId: "100200",
        licensee: "Loop Corp",
        items: [
          { itemId: "700001001", description: "Loop scans", product: "dbr", version: 10, edition: "javascript", deploymentTypes: ["browser"], chargeWay: "scan", quantity: 100, startsAt: new Date(now - 86_400_000).toISOString(), expiresAt: new Date(now + 300 * 86_400_000).toISOString(), modules: [] },
        ],
      };
      writeFileSync(join(lts.cwd, "spec.json"), JSON.stringify(spec));
      expect((await runVendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], lts.cwd)).code).toBe(0);
      expect((await runVendor(["activate", "--license", "new.lic", "--uuid", uuid, "--out", "activated.lic", "--demo"], lts.cwd)).code).toBe(0);
      const imported = await cli("import", join(lts.cwd, "activated.lic"), "--code", "sim");
      expect(imported.stdout).toContain("100200-sim");

      // The license key, pointed at this server on loopback.
      expect((await cli("server-url", "--main", `${lts.url}/`)).code).toBe(0);
      const codes = JSON.parse((await cli("codes", "--json")).stdout) as { code: string; licenseKey: string }[];
      const key = codes.find((c) => c.code === "100200-sim")!.licenseKey;
      expect(key).toStartWith("LTS1");

      // 4 devices × 1,000 scans a second, reporting every second, for 6 s: 100 scans run out. The
      // simulator runs on the real clock in a child process (no clock to inject), so the rate is
      // such that a single tick (200 ms) of one device after its grant already passes the cap: the run
      // does not depend on how fast this machine counts, only on the grants arriving within 6 s.
      const sim = await run([process.execPath, join(ROOT, "scripts/simulate.ts"), "--key", key, "--devices", "4", "--charge-way", "scan", "--rate", "1000", "--duration", "6", "--report-interval", "1"]);
      expect(sim.code).toBe(0);
      expect(sim.stdout).toMatch(/refusals\s+120 USAGE_EXCEEDED ×4/);
      expect(sim.stdout).toMatch(/devices\s+4: .*exhausted/);

      const db = openDataDir(dataDir);
      try {
        const consumed = (db.$client.query("SELECT consumed FROM item_counters").get() as { consumed: number }).consumed;
        const ledger = (db.$client.query("SELECT sum(count) AS n FROM usage_records").get() as { n: number }).n;
        expect(consumed).toBeGreaterThan(105); // the report that crossed the cap was recorded, then 120
        expect(ledger).toBe(consumed);
      } finally {
        closeDatabase(db);
      }

      // A fresh device through the library is now refused with 120, signed by the pinned key.
      const client = new LtsClient({ licenseKey: key, device: { uuid: "late-device-0001" }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "scan", autoReport: false });
      const answer = await client.authorize();
      await client.close();
      expect(answer.ok).toBe(false);
      if (!answer.ok) expect(answer.code).toBe(120);
      // The WAL was checkpointed on the server's worker thread all along: the binary carries its entry point.
      expect(lts.lines.filter((line) => line.includes("checkpointer thread failed"))).toEqual([]);
    },
    90_000,
  );
});
