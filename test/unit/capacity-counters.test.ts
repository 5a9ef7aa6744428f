import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import type { Db } from "../../src/db/client";
import { DOMAIN_WINDOW_DAYS } from "../../src/domain/charge-ways";
import { AppError } from "../../src/domain/errors";
import { SLOT_MS, slotOf } from "../../src/domain/slots";
import { housekeepingJob } from "../../src/jobs/housekeeping";
import { AUTHORIZATION_COUNT_RETENTION_MS } from "../../src/services/authorization";
import { releaseDevice, releaseDomain } from "../../src/services/devices";
import { apiWorld, DAY, deviceId, importLicense, itemOf, slotIso, type ApiWorld, type ItemSpec } from "../helpers/api";

// STYLE.md, "Summaries kept, not recounted": the capacity checks read counters (active devices of
// `device` items, active domains of `domain` items, seats per concurrent item and slot) that every
// path keeps in the same transaction as the rows. Random histories replay every such path, and
// after each step every counter is compared with the test's own count(*) over the rows.

const WAYS = ["device", "concurrent-device", "concurrent-instance", "domain", "scan"] as const;
type Way = (typeof WAYS)[number];
const ITEMS = [
  { chargeWay: "device", quantity: 2, windowDays: 30 },
  { chargeWay: "concurrent-device", quantity: 2 },
  { chargeWay: "concurrent-instance", quantity: 4 },
  { chargeWay: "domain", quantity: 2 },
  { chargeWay: "scan", quantity: 1000 },
].map((item) => ({ ...item, expiresAt: "2045-01-01T00:00:00.000Z" })) as { chargeWay: Way; quantity: number }[];
const itemIdOf = (way: Way) => String(2000001 + WAYS.indexOf(way));
const DOMAINS = ["https://a.example", "https://b.example", "https://c.example", "https://d.example"];

const device = fc.integer({ min: 1, max: 4 });
/** The steps of one history: most on one item (its way), so seats are taken, refused, lapse and are released. */
function stepOn(focus: Way) {
  const way = fc.constantFrom<Way>(focus, focus, focus, ...WAYS);
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ op: fc.constant("authorize" as const), way, device, domain: fc.nat(3), instances: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("report" as const), way, device, back: fc.nat(3), domain: fc.nat(3) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("release" as const), way, device }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("adminReleaseDevice" as const), way, device }) },
    { weight: focus === "domain" ? 4 : 1, arbitrary: fc.record({ op: fc.constant("adminReleaseDomain" as const), domain: fc.nat(3) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.constantFrom(SLOT_MS, 2 * SLOT_MS, DAY, 8 * DAY, 8 * DAY, 40 * DAY, 370 * DAY) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("revoke" as const), way: fc.constantFrom(...WAYS) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("reimport" as const), deviceWay: fc.constantFrom<Way>("device", "scan", "concurrent-device"), domainWay: fc.constantFrom<Way>("domain", "scan") }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("housekeeping" as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("expireOne" as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("capacityRead" as const) }) },
  );
}
const history = fc.constantFrom(...WAYS).chain((focus) => fc.array(stepOn(focus), { minLength: 20, maxLength: 60 }));
type Step = ReturnType<typeof stepOn> extends fc.Arbitrary<infer T> ? T : never;

let revocations = 0;
let reimports = 0;

/** The world's license again, issued later, with the first and fourth items charged another way (usage is kept). */
function reimport(api: ApiWorld, deviceWay: Way, domainWay: Way): void {
  const items = ITEMS.map((item, i) => (i === 0 ? { ...item, chargeWay: deviceWay, windowDays: deviceWay === "device" ? 30 : undefined } : i === 3 ? { ...item, chargeWay: domainWay } : item));
  const issuedAt = new Date(Date.parse("2026-11-01T00:00:00.000Z") + ++reimports * 1000).toISOString();
  importLicense(api.w, api.uuid, { items: items.map((item, i) => itemOf(item as ItemSpec, i)), issuedAt });
}

async function replay(api: ApiWorld, s: Step): Promise<void> {
  const { w } = api;
  const admin = { db: w.db, clock: w.clock, actor: { kind: "admin" as const, ip: null } };
  const origin = (n: number) => ({ origin: DOMAINS[n]! });
  switch (s.op) {
    case "authorize":
      await api.authorize({ chargeWay: s.way, device: { uuid: deviceId(s.device) }, instances: s.instances }, origin(s.domain));
      return;
    case "report": {
      await api.report({ itemId: itemIdOf(s.way), device: { uuid: deviceId(s.device) }, records: [{ slot: slotIso(w, -s.back), counts: { scans: 1 } }] }, origin(s.domain));
      return;
    }
    case "release":
      await api.release({ itemId: itemIdOf(s.way), device: { uuid: deviceId(s.device) } });
      return;
    case "adminReleaseDevice":
    case "adminReleaseDomain":
      try {
        if (s.op === "adminReleaseDevice") releaseDevice(admin, { itemRowId: rowIdOf(w.db, s.way), deviceUuid: deviceId(s.device) });
        else releaseDomain(admin, { itemRowId: rowIdOf(w.db, "domain"), domain: new URL(DOMAINS[s.domain]!).hostname });
      } catch (error) {
        if (!(error instanceof AppError)) throw error; // not found, or not silent long enough
      }
      return;
    case "advance":
      w.clock.advance(s.ms);
      return;
    case "revoke":
      try {
        importLicense(w, api.uuid, { licenseId: String(5000001 + revocations++), status: "revocation", items: [], revokes: [itemIdOf(s.way)] });
      } catch (error) {
        if (!(error instanceof AppError)) throw error; // already revoked
      }
      return;
    case "reimport":
      reimport(api, s.deviceWay, s.domainWay);
      return;
    case "housekeeping":
      await housekeepingJob(w.deps).run();
      return;
    case "expireOne": {
      const now = w.clock.now().getTime();
      w.deps.usageStore.expireLapsed(now, now - DOMAIN_WINDOW_DAYS * DAY, 1);
      return;
    }
    case "capacityRead": {
      // What the capacity checks read (they expire first): exactly the active rows.
      const now = w.clock.now().getTime();
      const since = now - DOMAIN_WINDOW_DAYS * DAY;
      const items = w.db.$client.query("SELECT id, charge_way AS chargeWay FROM license_items").all() as { id: number; chargeWay: string }[];
      for (const { id } of items.filter((i) => i.chargeWay === "device")) {
        expect(w.deps.usageStore.activeDevices(id, now)).toBe(count(w.db, `SELECT count(*) FROM item_devices WHERE item_row_id = ${id} AND active_until > ${now}`));
      }
      for (const { id } of items.filter((i) => i.chargeWay === "domain")) {
        expect(w.deps.usageStore.activeDomains(id, since)).toBe(count(w.db, `SELECT count(*) FROM item_domains WHERE item_row_id = ${id} AND last_seen_at > ${since}`));
      }
      return;
    }
  }
}

const count = (db: Db, sql: string) => Object.values(db.$client.query(sql).get() as object)[0] as number;
const rowIdOf = (db: Db, way: Way) => count(db, `SELECT id FROM license_items WHERE item_id = '${itemIdOf(way)}'`);

/** Every counter against the test's own recount of the rows. */
function expectCountersAgree(db: Db, now: number): void {
  const since = now - DOMAIN_WINDOW_DAYS * DAY;
  const counters = db.$client.query("SELECT item_row_id AS item, active_devices AS devices, active_domains AS domains FROM item_capacity").all() as { item: number; devices: number; domains: number }[];
  const devices = Object.fromEntries(counters.map((c) => [c.item, c.devices]));
  const domains = Object.fromEntries(counters.map((c) => [c.item, c.domains]));
  for (const { id, chargeWay } of db.$client.query("SELECT id, charge_way AS chargeWay FROM license_items").all() as { id: number; chargeWay: string }[]) {
    // The counter is the counted rows; every active row is counted, so the counter less the lapsed
    // rows not yet expired is what count(*) over the active rows says.
    const counted = count(db, `SELECT count(*) FROM item_devices WHERE item_row_id = ${id} AND counted = 1`);
    expect(devices[id] ?? 0).toBe(counted);
    if (chargeWay === "device") expect(count(db, `SELECT count(*) FROM item_devices WHERE item_row_id = ${id} AND counted = 0 AND active_until > ${now}`)).toBe(0);
    else expect(counted).toBe(0);
    expect(domains[id] ?? 0).toBe(count(db, `SELECT count(*) FROM item_domains WHERE item_row_id = ${id} AND counted = 1`));
    expect(count(db, `SELECT count(*) FROM item_domains WHERE item_row_id = ${id} AND counted = 0 AND last_seen_at > ${since}`)).toBe(0);
  }
  // Slot occupancy = the seats' recount, for every slot still kept (≥ 35 days).
  const kept = slotOf(now - AUTHORIZATION_COUNT_RETENTION_MS);
  const recount = db.$client
    .query(`SELECT item_row_id AS item, slot, count(*) AS devices, sum(instances) AS instances FROM concurrent_seats WHERE slot >= ${kept} GROUP BY item_row_id, slot ORDER BY 1, 2`)
    .all();
  const occupancy = db.$client.query(`SELECT item_row_id AS item, slot, devices, instances FROM slot_occupancy WHERE slot >= ${kept} AND devices > 0 ORDER BY 1, 2`).all();
  expect(occupancy).toEqual(recount);
  expect(count(db, `SELECT count(*) FROM slot_occupancy WHERE devices < 0 OR instances < 0 OR (devices = 0) <> (instances = 0)`)).toBe(0);
  // A code's devices (Configurations) = the distinct devices of its grants (one device may hold several of its items).
  const perCode = db.$client.query(`SELECT code_id AS code, count(DISTINCT device_uuid) AS devices FROM grants GROUP BY code_id ORDER BY 1`).all();
  expect(db.$client.query(`SELECT code_id AS code, devices FROM code_counters WHERE devices <> 0 ORDER BY 1`).all()).toEqual(perCode);
}

describe("capacity counters agree with the rows they count", () => {
  test("random histories of grants, reports, releases, lapses, revocations and housekeeping", async () => {
    await fc.assert(
      fc.asyncProperty(history, async (steps) => {
        const api = await apiWorld({ items: ITEMS });
        expectCountersAgree(api.w.db, api.w.clock.now().getTime());
        for (const s of steps) {
          await replay(api, s);
          expectCountersAgree(api.w.db, api.w.clock.now().getTime());
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  test("the admin's releases of a held device and of a domain give their seat back at once", async () => {
    const api = await apiWorld({ items: ITEMS });
    const { w } = api;
    const admin = { db: w.db, clock: w.clock, actor: { kind: "admin" as const, ip: null } };
    for (let i = 1; i <= 2; i++) expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(i) } })).status).toBe(200);
    for (const origin of DOMAINS.slice(0, 2)) expect((await api.authorize({ chargeWay: "domain" }, { origin })).status).toBe(200);
    w.clock.advance(8 * DAY);
    expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(3) } })).body.error.code).toBe(120);
    expect((await api.authorize({ chargeWay: "domain" }, { origin: DOMAINS[2] })).body.error.code).toBe(120);
    releaseDevice(admin, { itemRowId: rowIdOf(w.db, "device"), deviceUuid: deviceId(1) });
    releaseDomain(admin, { itemRowId: rowIdOf(w.db, "domain"), domain: "a.example" });
    expectCountersAgree(w.db, w.clock.now().getTime());
    expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(3) } })).status).toBe(200);
    expect((await api.authorize({ chargeWay: "domain" }, { origin: DOMAINS[2] })).status).toBe(200);
    expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(4) } })).body.error.code).toBe(120);
    expectCountersAgree(w.db, w.clock.now().getTime());
  });

  test("the migration's backfill rebuilds the counters an upgraded database needs", async () => {
    const api = await apiWorld({ items: ITEMS });
    const { w } = api;
    for (let i = 1; i <= 4; i++) await api.authorize({ chargeWay: "device", device: { uuid: deviceId(i) } });
    for (let i = 1; i <= 3; i++) await api.authorize({ chargeWay: "concurrent-instance", device: { uuid: deviceId(i) }, instances: i });
    for (const [i, origin] of DOMAINS.slice(0, 2).entries()) await api.authorize({ chargeWay: "domain", device: { uuid: deviceId(i + 1) } }, { origin });
    w.clock.advance(31 * DAY); // the device seats (30-day window) lapse; the counters still hold them until expired
    await api.authorize({ chargeWay: "device", device: { uuid: deviceId(7) } });
    const before = w.db.$client.query("SELECT item_row_id, active_devices, active_domains FROM item_capacity ORDER BY 1").all();
    const occupancy = w.db.$client.query("SELECT * FROM slot_occupancy ORDER BY 1, 2").all();

    // An old database: no flags, no counters, no occupancy. The backfill (the statements after drizzle's) rebuilds them.
    w.db.$client.run("UPDATE item_devices SET counted = 0; UPDATE item_domains SET counted = 0; UPDATE item_capacity SET active_devices = 0, active_domains = 0; DELETE FROM slot_occupancy");
    const migration = readFileSync(join(import.meta.dir, "../../drizzle/0007_capacity_counters.sql"), "utf8");
    const backfill = migration.slice(migration.indexOf("-- Backfill")).split("--> statement-breakpoint");
    expect(backfill.length).toBe(5);
    for (const statement of backfill) w.db.$client.run(statement.replaceAll("CAST(strftime('%s', 'now') AS INTEGER) * 1000", String(w.clock.now().getTime())));

    const now = w.clock.now().getTime();
    w.deps.usageStore.expireLapsed(now, now - DOMAIN_WINDOW_DAYS * DAY, 1000); // what was counted before, less the lapsed
    expect(w.db.$client.query("SELECT item_row_id, active_devices, active_domains FROM item_capacity ORDER BY 1").all()).toEqual(before);
    expect(w.db.$client.query("SELECT * FROM slot_occupancy ORDER BY 1, 2").all()).toEqual(occupancy);
    expectCountersAgree(w.db, now);
    expect(count(w.db, `SELECT active_devices FROM item_capacity WHERE item_row_id = ${rowIdOf(w.db, "device")}`)).toBe(1);
  });
});
