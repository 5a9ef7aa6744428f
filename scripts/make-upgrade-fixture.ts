// Makes the upgrade fixture: a small data dir written by TODAY's code, committed so that every
// later version must open it and migrate it forward (test/unit/upgrade.test.ts).
//
//   bun scripts/make-upgrade-fixture.ts [NAME]      (default NAME: v<package.json version>)
//
// It writes test/fixtures/upgrade/NAME/: data/ (lts.db after a checkpoint, no -wal; instance-id;
// instance-key.pem) and expected.json (the counts and keys the upgrade test checks). Run it once
// per release whose schema changed, and commit the new folder beside the old ones: old fixtures
// are never regenerated, or they would stop testing the upgrade from that release.
//
// The world: the demo issuer's license activated for a fixed test machine (three items: scans,
// devices, concurrent devices), the import's code 100200-appA, a second code with a session
// password, and client API traffic through the real verbs (authorize, report, release) at a fixed
// time: devices, reports, consumed units, usage rows.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { closeDatabase } from "../src/db/client";
import { GroupCommit } from "../src/db/group-commit";
import { openDataDir } from "../src/db/data-dir";
import { licenseItems } from "../src/db/schema";
import { slotOf } from "../src/domain/slots";
import { FailureLimiter } from "../src/domain/request-limiter";
import { ManualClock } from "../src/lib/clock";
import { memoryLogger } from "../src/lib/logger";
import { VERSION } from "../src/lib/version";
import * as v from "valibot";
import { authorize, AuthorizeRequest, release, ReleaseRequest, report, ReportRequest, type ApiContext } from "../src/services/authorization";
import { createHandshakeCode } from "../src/services/handshake-codes";
import { loadOrCreateInstanceKey } from "../src/services/instance-key";
import { importLicenseFile } from "../src/services/license-files";
import { generateMachineUuid, MachineIdentity } from "../src/services/machine-identity";
import { UsageStore } from "../src/services/usage/usage-store";
import { trustedIssuers } from "../src/trusted-issuers";
import { FakeLabelReader } from "../test/helpers/fake-labels";
import { activatedLicense, signed } from "../test/helpers/licenses";
import { fixtureSnapshot } from "../test/fixtures/upgrade/snapshot";

const name = process.argv[2] ?? `v${VERSION}`;
const folder = resolve(import.meta.dir, "../test/fixtures/upgrade", name);
const dataDir = join(folder, "data");
if (existsSync(folder)) {
  console.error(`${folder} exists already. Old fixtures are kept as they are: give a new name (bun scripts/make-upgrade-fixture.ts v1.2.3).`);
  process.exit(1);
}
mkdirSync(folder, { recursive: true });

const clock = new ManualClock("2026-11-28T12:00:00.000Z");
const logger = memoryLogger();
const db = openDataDir(dataDir);
const instanceKey = loadOrCreateInstanceKey(dataDir, db);
const admin = { kind: "admin" as const, ip: null };
const machine = new MachineIdentity(db, new FakeLabelReader().read, logger);
await machine.refresh();
const { uuid } = await generateMachineUuid({ db, clock, actor: admin, machine }, { labels: ["machine-id", "mac"] });
await machine.refresh();

const file = new TextEncoder().encode(signed(activatedLicense(uuid)));
importLicenseFile({ db, clock, actor: admin, trustedIssuers: trustedIssuers() }, { file, machine: machine.binding(admin), codeSuffix: "appA" });
const scanItem = db.select().from(licenseItems).all().find((i) => i.chargeWay === "scan")!;
createHandshakeCode({ db, clock, actor: admin, instanceKey }, { suffix: "kiosk", sessionPassword: "kiosk-password-1", itemRowIds: [scanItem.id] });

const groupCommit = new GroupCommit(db);
const api: ApiContext = {
  db,
  clock,
  atomically: (work) => groupCommit.run(work),
  store: new UsageStore(db),
  instanceKey,
  passwordLimiter: new FailureLimiter(),
  notReady: () => null,
  source: { ip: "198.51.100.7", origin: null },
};
const base = { product: "dbr", version: 10, edition: "javascript", deploymentType: "browser" };
let n = 0;
const nonce = () => `fixture-nonce-${String(++n).padStart(6, "0")}`;
const must = <T extends { ok?: boolean; granted?: boolean }>(what: string, outcome: T): T => {
  if (outcome.ok === false || outcome.granted === false) throw new Error(`${what} was refused: ${JSON.stringify(outcome)}`);
  return outcome;
};

for (let d = 1; d <= 3; d++) {
  const device = { uuid: `device-000${d}` };
  must(`authorize ${device.uuid}`, await authorize(api, v.parse(AuthorizeRequest, { handshakeCode: "100200-appA", device, ...base, nonce: nonce() })));
  must(`authorize ${device.uuid} on the kiosk code`, await authorize(api, v.parse(AuthorizeRequest, { handshakeCode: "100200-kiosk", sessionPassword: "kiosk-password-1", device, ...base, nonce: nonce() })));
  for (let r = 0; r < 2; r++) {
    const slot = new Date(slotOf(clock.now().getTime()) - r * 3 * 60_000).toISOString();
    must(`report ${device.uuid}`, await report(api, v.parse(ReportRequest, { handshakeCode: "100200-appA", itemId: scanItem.itemId, device, reportId: `fixture-report-${d}-${r}`, records: [{ slot, counts: { scans: d * 10 + r } }], nonce: nonce() })));
  }
  clock.advance(60_000);
}
await release(api, v.parse(ReleaseRequest, { handshakeCode: "100200-appA", itemId: scanItem.itemId, device: { uuid: "device-0003" }, nonce: nonce() }));

const expected = { madeBy: VERSION, madeAt: new Date().toISOString().slice(0, 10), ...fixtureSnapshot(db, instanceKey) };
closeDatabase(db);
for (const leftover of ["logs", "tmp", "backups", "setup-token", "lts.db-wal", "lts.db-shm"]) rmSync(join(dataDir, leftover), { recursive: true, force: true });
writeFileSync(join(folder, "expected.json"), JSON.stringify(expected, null, 2) + "\n");
console.log(`Wrote ${folder}: ${JSON.stringify(expected.counts)}`);
