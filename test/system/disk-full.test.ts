// F2 on the compiled server: the data dir on a small tmpfs, filled up under load. Writes are
// refused with code 2 (503, signed, Retry-After) and never acknowledged without being stored;
// reads, /healthz and the portal still answer; the log says "disk full"; once space is freed,
// writes succeed again without a restart, and nothing is half-written.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDatabase, Load, LtsProcess, mountTmpfs, mountUnavailable, nonce, PASSWORD, pinnedKeysOf, postApi, prepareInstance, SCAN_ITEM, slotNow, type ApiAnswer, type Instance } from "./harness";
import { ledgerVerdict } from "./verdicts";

const noMount = mountUnavailable();
const work = mkdtempSync(join(tmpdir(), "lts-diskfull-"));
let instance: Instance | undefined;
let unmount = () => {};
afterAll(() => {
  instance?.dispose();
  unmount();
  rmSync(work, { recursive: true, force: true });
});

/** Writes junk into `path` until the file system is full (bounded by `maxMb`); returns the bytes written. */
function fill(path: string, maxMb: number): number {
  const fd = openSync(path, "w");
  let written = 0;
  try {
    for (const chunk of [1024 * 1024, 64 * 1024, 4096, 512]) {
      const buffer = Buffer.alloc(chunk, 0x5a);
      for (let i = 0; i < (maxMb * 1024 * 1024) / chunk; i++) {
        try {
          written += writeSync(fd, buffer);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe("faults: disk full", () => {
  test.skipIf(noMount !== null)(
    `writes refused with code 2 while the data dir is full, reads and portal still answer, recovery without restart${noMount ? ` — skipped: ${noMount}` : ""}`,
    async () => {
      const mountPoint = join(work, "data");
      unmount = mountTmpfs(mountPoint, 64).unmount;
      instance = await prepareInstance({ dataDir: mountPoint });
      const lts = await LtsProcess.start(instance);
      const keys = await pinnedKeysOf(instance.licenseKey);

      // A portal session, made while there is room for it.
      const login = await fetch(`${instance.url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: instance.url, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ password: PASSWORD }),
      });
      const cookie = (login.headers.getSetCookie() ?? []).map((c) => c.split(";")[0]).join("; ");
      expect(cookie).not.toBe("");
      const home = () => fetch(`${instance!.url}/`, { headers: { Cookie: cookie }, redirect: "manual" });
      expect((await home()).status).toBe(200);

      const load = new Load(instance, { rawDevices: 8, libraryDevices: 2, seed: 17 });
      await load.start();
      await Bun.sleep(1000);

      const authorizeProbe = await postApi(instance.url, "/authorize", { handshakeCode: instance.handshakeCode, device: { uuid: "probe-device-0001" }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "scan", nonce: nonce() }, "127.0.0.1", keys);
      expect(authorizeProbe.status).toBe(200);
      const junk = join(mountPoint, "junk");
      const filled = fill(junk, 64);

      // Fresh reports with many records until one is refused: the WAL's slack runs out.
      const probeAcked = new Map<string, number>();
      const probe = async (i: number) => {
        const reportId = `probe-${i}-${nonce().slice(0, 8)}`;
        const answer = await postApi(
          instance!.url,
          "/report",
          {
            handshakeCode: instance!.handshakeCode,
            itemId: SCAN_ITEM,
            device: { uuid: "probe-device-0001" },
            reportId,
            records: Array.from({ length: 1000 }, (_, s) => ({ slot: slotNow(Date.now() - s * 180_000), counts: { scans: 1 } })),
            nonce: nonce(),
          },
          "127.0.0.1",
          keys,
        );
        if (answer.status === 200) probeAcked.set(`probe-device-0001|${reportId}`, 1000);
        return answer;
      };
      const auth = await postApi(instance.url, "/authorize", { handshakeCode: instance.handshakeCode, device: { uuid: "probe-device-0001" }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "scan", nonce: nonce() }, "127.0.0.1", keys);
      let refused: ApiAnswer | undefined;
      for (let i = 0; i < 300 && !refused; i++) {
        const answer = await probe(i);
        if (answer.status !== 200) refused = answer;
      }
      console.log(`disk full: filled ${(filled / 1048576).toFixed(1)} MiB; authorize while full: ${auth.status}; refused after ${probeAcked.size} more acknowledged probes`);
      expect(refused).toBeDefined();
      expect(refused!.status).toBe(503);
      expect(refused!.body.error?.code).toBe(2);
      expect(refused!.signatureProblem).toBeNull();

      // The load keeps going against the full disk for a while.
      const refusedBefore = load.stats.answers["503 code 2"] ?? 0;
      await Bun.sleep(1500);
      expect(load.stats.answers["503 code 2"] ?? 0).toBeGreaterThan(refusedBefore);

      // Reads and the portal still answer while full.
      const healthz = await fetch(`${instance.url}/healthz`);
      expect([200, 503]).toContain(healthz.status);
      expect(((await healthz.json()) as { status: string }).status).toBeDefined();
      expect((await fetch(`${instance.url}/login`)).status).toBe(200);
      expect((await home()).status).toBe(200);
      expect((await fetch(`${instance.url}/api/v1/server-key`)).status).toBe(200);
      // A portal write is refused with a page that says why and what to do, not a generic 500.
      const csrf = (await (await home()).text()).match(/name="_csrf" value="([^"]+)"/)?.[1];
      expect(csrf).toBeDefined();
      const save = await fetch(`${instance.url}/email-config`, {
        method: "POST",
        redirect: "manual",
        headers: { Cookie: cookie, Origin: instance.url, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf!, host: "smtp.example.test", port: "25", security: "none", user: "", passwordAction: "keep", password: "", fromAddress: "lts@example.test", to: "ops@example.test", cc: "", bcc: "" }),
      });
      const saveText = await save.text();
      console.log(`disk full: portal write ${save.status}`);
      expect(save.status, saveText.slice(0, 500)).toBe(503);
      expect(saveText).toContain("Nothing was saved: the disk that holds the data dir is full. Free space on it and try again");
      expect(lts.lines.some((line) => /disk full/i.test(line))).toBe(true);

      // Space freed: writes succeed again, without a restart (bounded wait).
      rmSync(junk);
      let recovered: ApiAnswer | undefined;
      const freedAt = performance.now();
      for (let i = 0; i < 100 && performance.now() - freedAt < 10_000; i++) {
        const answer = await probe(1000 + i);
        if (answer.status === 200) {
          recovered = answer;
          break;
        }
        await Bun.sleep(50);
      }
      const recoveryMs = Math.round(performance.now() - freedAt);
      expect(recovered?.status).toBe(200);

      await load.stop();
      const unacknowledged = await load.drain();
      await load.close();
      expect(await lts.terminate()).toBe(0);
      console.log(`disk full: recovery ${recoveryMs} ms after the junk was deleted; load answers ${JSON.stringify(load.stats.answers)}; network errors ${JSON.stringify(load.stats.networkErrors)}`);
      expect(unacknowledged).toBe(0);
      expect(load.stats.violations).toEqual([]);
      expect(lts.child.exitCode).toBe(0);
      // Every acknowledged write (the load's and the probes') stored exactly once; no refused one left a row.
      const check = checkDatabase(instance.dataDir, { acked: new Map([...load.acked, ...probeAcked]), deviceGrants: load.deviceGrants });
      console.log(`disk full: ${JSON.stringify({ ...check, missingReports: check.missingReports.length, missingDevices: check.missingDevices.length })}`);
      expect(ledgerVerdict(check)).toEqual([]);
    },
    120_000,
  );
});
