// The clock-rollback promise on the compiled binary, under Debian's libfaketime (apt-get install
// faketime): the server runs with LD_PRELOAD=libfaketime and reads its offset from a file that the
// test rewrites (FAKETIME_TIMESTAMP_FILE, not cached), so the same process sees the clock move. An
// item that expired (clock +3 days) stays expired when the clock is set back to today, /healthz says
// "rolled-back", a restart with the clock still back is rolled back at once (the latest time seen is
// stored), and setting the clock forward again ends it.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, runCommand as run, runVendor, startBinary, until, type RunningBinary } from "../helpers/binary";
import { tempDir } from "../helpers/temp";

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const DAY = 86_400_000;
const available = existsSync(LIBFAKETIME);
if (!available && process.env.CI === "true") throw new Error(`${LIBFAKETIME} is missing: apt-get install faketime`);

let lts: RunningBinary | undefined;
afterAll(() => lts?.stop());

describe.skipIf(!available)("clock rollback on the compiled binary under libfaketime", () => {
  test(
    "an expired item stays expired when the clock is set back, across a restart; forward again ends the rollback",
    async () => {
      // The data dir and files live in a temp dir of the test's own: stop() removes the binary's.
      const cwd = tempDir("lts-clock-");
      const dataDir = join(cwd, "lts-data");
      lts = await startBinary({ dataDir });
      const offsetFile = join(cwd, "faketime");
      const setOffset = (offset: string) => writeFileSync(offsetFile, `${offset}\n`);
      const faketimeEnv = { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" };
      const cli = (...args: string[]) => run([BINARY, ...args, "--data-dir", dataDir]);
      const restart = async () => {
        await lts!.stop();
        lts = await startBinary({ dataDir, env: faketimeEnv });
        let last = "";
        await until(`healthz 200 (last answer: ${last})`, async () => {
          const res = await fetch(`${lts!.url}/healthz`);
          last = await res.text();
          return res.status === 200 ? true : undefined;
        }).catch((error) => {
          throw new Error(`${error.message}; last /healthz: ${last}; output:\n${lts!.lines.join("\n")}`);
        });
      };

      // Set up with the real clock: a UUID and one scan item that expires tomorrow, no grace.
      const uuid = (await cli("uuid", "generate", "--labels", "machine-id", "--yes")).stdout.match(/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}/)![0];
      const now = Date.now();
      const item = { itemId: "800001001", description: "Clock scans", product: "dbr", version: 10, edition: "javascript", deploymentTypes: ["browser"], chargeWay: "scan", quantity: 1000, graceDays: 0 };
      const spec = { licenseId: "800001", alias: "Clock", organizationId: "100200", licensee: "Clock Corp", items: [{ ...item, modules: [], startsAt: new Date(now - 30 * DAY).toISOString(), expiresAt: new Date(now + DAY).toISOString() }] };
      writeFileSync(join(cwd, "spec.json"), JSON.stringify(spec));
      expect((await runVendor(["issue", "--spec", "spec.json", "--out", "new.lic", "--demo"], cwd)).code).toBe(0);
      expect((await runVendor(["activate", "--license", "new.lic", "--uuid", uuid, "--out", "activated.lic", "--demo"], cwd)).code).toBe(0);
      expect((await cli("import", join(cwd, "activated.lic"), "--code", "clk")).stdout).toContain("100200-clk");

      // From now on the server runs under libfaketime, first at the real time.
      setOffset("+0");
      await restart();
      let nonce = 0;
      const authorize = async () => {
        const body = { handshakeCode: "100200-clk", device: { uuid: "clock-device-01" }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", nonce: `clock-nonce-${String(++nonce).padStart(8, "0")}` };
        const res = await fetch(`${lts!.url}/api/v1/authorize`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return (await res.json()) as { ok: boolean; error?: { code: number }; serverTime: string };
      };
      const health = async () => (await (await fetch(`${lts!.url}/healthz`)).json()) as { clock: string; latestSeen: string };

      const granted = await authorize();
      expect(granted.ok).toBe(true);
      expect(Math.abs(Date.parse(granted.serverTime) - Date.now())).toBeLessThan(60_000);

      // Three days on, the item has expired.
      setOffset("+3d");
      const expired = await authorize();
      expect(expired.error?.code).toBe(111);
      expect(Date.parse(expired.serverTime) - Date.now()).toBeGreaterThan(3 * DAY - 60_000);

      // Back to today, when the item was valid: still 111, and /healthz says rolled back.
      setOffset("+0");
      const back = await authorize();
      expect(back.error?.code).toBe(111);
      expect(Date.parse(back.serverTime) - Date.now()).toBeGreaterThan(3 * DAY - 60_000);
      const rolledBack = await health();
      expect(rolledBack.clock).toBe("rolled-back");
      expect(Date.parse(rolledBack.latestSeen) - Date.now()).toBeGreaterThan(3 * DAY - 60_000);
      expect(lts.lines.some((l) => l.includes("clock rolled back"))).toBe(true);

      // A restart does not forget: the latest time seen was stored.
      await restart();
      expect((await health()).clock).toBe("rolled-back");
      expect((await authorize()).error?.code).toBe(111);

      // Forward to where the server had been: normal again (the item is still expired, rightly).
      setOffset("+3d");
      expect((await health()).clock).toBe("ok");
      expect((await authorize()).error?.code).toBe(111);
    },
    90_000,
  );
});
