// F1 and F5 on the compiled server (dist/lts; `bun scripts/build.ts` first): kill -9 under load
// loses no acknowledged write and counts nothing twice; SIGTERM answers the requests in flight
// and exits 0. The long version of F1: `bun scripts/harness-crash.ts --rounds 20`.
import { afterAll, describe, expect, test } from "bun:test";
import { runCrashScenario } from "./crash-scenario";
import { closeAgents, LtsProcess, nonce, pinnedKeysOf, postApi, prepareInstance, SCAN_ITEM, slotNow, sourceAddress, type ApiAnswer, type Instance } from "./harness";
import { crashVerdict, MAX_READY_MS } from "./verdicts";

const SEED = Number(process.env.LTS_HARNESS_SEED ?? Math.floor(Math.random() * 2 ** 31));
let instance: Instance | undefined;
afterAll(() => {
  closeAgents();
  instance?.dispose();
});

describe("faults: crashes", () => {
  test(
    "kill -9 at random moments under load, 5 rounds: no acknowledged report lost, none counted twice, ready again within 3 s",
    async () => {
      const result = await runCrashScenario({ rounds: 5, seed: SEED });
      console.log(`crash (seed ${SEED}): ${JSON.stringify({ readyMs: result.readyMs, acked: result.check.ackedReports, scans: result.check.ackedScans, answers: result.stats.answers, networkErrors: result.stats.networkErrors })}`);
      expect(crashVerdict(result)).toEqual([]);
      expect(result.maxReadyMs).toBeLessThanOrEqual(MAX_READY_MS);
      expect(result.check.ledgerScans).toBe(result.check.ackedScans);
    },
    180_000,
  );

  test(
    "SIGTERM while requests are in flight: every accepted request is answered, then exit code 0",
    async () => {
      instance = await prepareInstance();
      const lts = await LtsProcess.start(instance);
      const keys = await pinnedKeysOf(instance.licenseKey);
      const devices = Array.from({ length: 40 }, (_, i) => ({ uuid: `term-device-${String(i).padStart(4, "0")}`, address: sourceAddress(i) }));
      const authorize = (d: (typeof devices)[number]) =>
        postApi(instance!.url, "/authorize", { handshakeCode: instance!.handshakeCode, device: { uuid: d.uuid }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "scan", nonce: nonce() }, d.address, keys);
      // Warm: every device holds a grant and a keep-alive connection.
      for (const answer of await Promise.all(devices.map(authorize))) expect(answer.status).toBe(200);

      // A batch of reports (each with many records: real work), SIGTERM as soon as all are sent.
      const records = Array.from({ length: 200 }, (_, i) => ({ slot: slotNow(Date.now() - i * 180_000), counts: { scans: 1 } }));
      let settled = 0;
      const outcomes = devices.map((d, i) =>
        postApi(instance!.url, "/report", { handshakeCode: instance!.handshakeCode, itemId: SCAN_ITEM, device: { uuid: d.uuid }, reportId: `term-report-${i}`, records, nonce: nonce() }, d.address, keys, 10_000).then(
          (answer): ApiAnswer | string => answer,
          (error: Error & { code?: string }) => error.code ?? error.message,
        ).finally(() => settled++),
      );
      await Bun.sleep(5);
      const exit = lts.terminate();
      const inFlight = devices.length - settled;
      const answers = await Promise.all(outcomes);
      expect(await exit).toBe(0);

      const failures = answers.filter((a) => typeof a === "string");
      const statuses = answers.filter((a): a is ApiAnswer => typeof a !== "string").map((a) => `${a.status}${a.body.error ? ` code ${a.body.error.code}` : ""}`);
      console.log(`sigterm: ${inFlight} of ${answers.length} requests in flight at SIGTERM; answers ${JSON.stringify(count(statuses))}; no answer ${JSON.stringify(count(failures as string[]))}`);
      expect(inFlight).toBeGreaterThan(0);
      expect(failures).toEqual([]);
      for (const a of answers as ApiAnswer[]) {
        expect(a.signatureProblem).toBeNull();
        expect(a.status === 200 || (a.status === 503 && a.body.error?.code === 2)).toBe(true);
      }
    },
    60_000,
  );
});

function count(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
