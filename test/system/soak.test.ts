// The soak (scripts/soak.ts, reference L3) cut to 45 s for CI, with the same code and rate shape:
// 2,000 devices reporting every 18 s (≈ 111 reports/s, as 20,000 devices every 180 s) plus a
// quarter as many authorizes, against the compiled binary on loopback. The WAL must stay under
// 64 MiB, the server's own memory must not grow in the last third (loosely: ≤ 1.25 × the second
// third's max, as 45 s is mostly warm-up), and every request must be answered 200.
// `bun scripts/soak.ts` runs 10 minutes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { formatSample, soak, soakServerArgs } from "../../scripts/soak";
import { startLicensedBinary, type LicensedBinary } from "./licensed-binary";

let server: LicensedBinary;
beforeAll(async () => {
  server = await startLicensedBinary({ args: soakServerArgs() });
}, 60_000);
afterAll(() => server?.stop());

test(
  "45 s at the realistic rate: WAL under 64 MiB, own memory flat after warm-up, no failed request",
  async () => {
    const result = await soak(server, { seconds: 45, devices: 2_000, intervalSeconds: 18, authorizeShare: 0.25, concurrency: 32, sampleSeconds: 3, rssFactor: 1.25 });
    console.log(result.samples.map((s) => formatSample(s, 3)).join("\n"));
    for (const check of result.checks) console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.totals.reportsPerSecond).toBeGreaterThan(100);
    expect(result.samples.length).toBeGreaterThanOrEqual(12);
  },
  90_000,
);
