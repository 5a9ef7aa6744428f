import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config";
import { catalogChanged } from "../../src/db/catalog-version";
import { rollupRetentionJob } from "../../src/jobs";
import { addCode, apiWorld, CODE, DAY, deviceId, slotIso, START, type ApiWorld } from "../helpers/api";

// DESIGN.md, "Usage, statistics, alerts": rollups per hour and per day, per item and per code,
// written in the same transaction as the usage they summarise.

const rows = (api: ApiWorld, sql: string, ...params: (string | number)[]) => api.w.db.$client.query(sql).all(...params) as Record<string, number | string>[];
const scalar = (api: ApiWorld, sql: string, ...params: (string | number)[]) => Object.values(api.w.db.$client.query(sql).get(...params) as object)[0] as number;
const CODE_B = "100200-appB";
const HOUR = 3_600_000;

async function sharedScanItem() {
  const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100_000, modules: ["qr", "oned"] }] });
  addCode(api.w, CODE_B, { itemIds: ["2000001"] });
  expect((await api.authorize()).status).toBe(200);
  expect((await api.authorize({ handshakeCode: CODE_B, device: { uuid: deviceId(2) } })).status).toBe(200);
  return api;
}

describe("consumption rollups", () => {
  test("agree with a recount of usage_records per hour, day and all time, per item and per code, late reports in their own buckets", async () => {
    const api = await sharedScanItem();
    const reports = [
      { code: CODE, device: 1, slot: slotIso(api.w, -481), counts: { qr: 3, oned: 1 } }, // yesterday, a late report
      { code: CODE, device: 1, slot: slotIso(api.w), counts: { qr: 2 } },
      { code: CODE_B, device: 2, slot: slotIso(api.w, -20), counts: { oned: 7 } }, // an hour earlier
      { code: CODE_B, device: 2, slot: new Date(START - 29 * DAY).toISOString(), counts: { qr: 5 } }, // 29 days late
    ];
    for (const r of reports) expect((await api.report({ handshakeCode: r.code, device: { uuid: deviceId(r.device) }, records: [{ slot: r.slot, counts: r.counts }] })).status).toBe(200);

    for (const [period, ms] of [["hour", HOUR], ["day", DAY]] as const) {
      expect(rows(api, `SELECT bucket, name, value FROM item_rollups WHERE metric = 'consumed' AND period = ? ORDER BY 1, 2`, period)).toEqual(
        rows(api, `SELECT slot - slot % ${ms} AS bucket, name, sum(count) AS value FROM usage_records GROUP BY 1, 2 ORDER BY 1, 2`),
      );
      expect(rows(api, `SELECT code_id, bucket, name, value FROM code_rollups WHERE metric = 'consumed' AND period = ? ORDER BY 1, 2, 3`, period)).toEqual(
        rows(api, `SELECT code_id, slot - slot % ${ms} AS bucket, name, sum(count) AS value FROM usage_records GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
      );
    }
    expect(scalar(api, `SELECT sum(value) FROM item_rollups WHERE metric = 'consumed' AND period = 'all'`)).toBe(scalar(api, "SELECT consumed FROM item_counters"));
    expect(scalar(api, `SELECT value FROM item_rollups WHERE metric = 'consumed' AND period = 'day' AND bucket = ? AND name = 'qr'`, START - 29 * DAY - 12 * HOUR)).toBe(5); // START is 12:00 UTC
  });

  test("a code counts only the usage made through it", async () => {
    const api = await sharedScanItem();
    await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 2 } }] });
    await api.report({ handshakeCode: CODE_B, device: { uuid: deviceId(2) }, records: [{ slot: slotIso(api.w), counts: { qr: 9 } }] });
    const byCode = rows(api, `SELECT c.code, r.value FROM code_rollups r JOIN handshake_codes c ON c.id = r.code_id WHERE r.period = 'all' AND r.metric = 'consumed' ORDER BY 1`);
    expect(byCode).toEqual([{ code: CODE, value: 2 }, { code: CODE_B, value: 9 }]);
  });

  test("a duplicate report (same reportId) counts once", async () => {
    const api = await sharedScanItem();
    const body = { reportId: "report-dup-0001", records: [{ slot: slotIso(api.w), counts: { qr: 4 } }] };
    await api.report(body);
    await api.report(body);
    expect(scalar(api, `SELECT value FROM item_rollups WHERE period = 'all' AND metric = 'consumed'`)).toBe(4);
  });
});

describe("active devices per day", () => {
  test("a device counts once per UTC day for the item and for the code that granted it, however often it calls", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10 }] });
    for (let i = 0; i < 3; i++) expect((await api.authorize()).status).toBe(200);
    await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] });
    expect((await api.authorize({ device: { uuid: deviceId(2) } })).status).toBe(200);
    api.w.clock.advance(DAY);
    expect((await api.authorize()).status).toBe(200);
    const day = (d: number) => START - (START % DAY) + d * DAY;
    expect(rows(api, `SELECT bucket, value FROM item_rollups WHERE metric = 'devices' AND period = 'day' ORDER BY 1`)).toEqual([{ bucket: day(0), value: 2 }, { bucket: day(1), value: 1 }]);
    expect(rows(api, `SELECT bucket, value FROM code_rollups WHERE metric = 'devices' AND period = 'day' ORDER BY 1`)).toEqual([{ bucket: day(0), value: 2 }, { bucket: day(1), value: 1 }]);
  });
});

describe("device days (device_days)", () => {
  const dayOf = (ms: number) => ms - (ms % DAY);
  const deviceDays = (api: ApiWorld) =>
    rows(api, `SELECT c.code, d.item_row_id AS item, d.day, d.device_uuid AS device, d.authorizations, d.reports, d.units, d.first_at AS firstAt, d.last_at AS lastAt
      FROM device_days d JOIN handshake_codes c ON c.id = d.code_id ORDER BY d.day, d.device_uuid, c.code`);

  test("one row per item, day, device and code: granted authorizations, reports and their units on the days of their slots", async () => {
    const api = await sharedScanItem();
    api.w.clock.advance(60_000);
    expect((await api.authorize()).status).toBe(200);
    // One report with records today and two days back (late): a row on each of those days.
    const twoDaysBack = START - 2 * DAY - 3 * HOUR;
    expect((await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 2, oned: 1 } }, { slot: slotIso(api.w, -1), counts: { qr: 4 } }, { slot: new Date(twoDaysBack).toISOString(), counts: { oned: 7 } }] })).status).toBe(200);
    expect((await api.report({ handshakeCode: CODE_B, device: { uuid: deviceId(2) }, records: [{ slot: slotIso(api.w), counts: {} }] })).status).toBe(200);
    const slot = (offset: number) => Date.parse(slotIso(api.w, offset));
    expect(deviceDays(api)).toEqual([
      { code: CODE, item: 1, day: dayOf(twoDaysBack), device: deviceId(1), authorizations: 0, reports: 1, units: 7, firstAt: twoDaysBack, lastAt: twoDaysBack },
      { code: CODE, item: 1, day: dayOf(START), device: deviceId(1), authorizations: 2, reports: 1, units: 7, firstAt: slot(-1), lastAt: START + 60_000 },
      { code: CODE_B, item: 1, day: dayOf(START), device: deviceId(2), authorizations: 1, reports: 1, units: 0, firstAt: START, lastAt: START },
    ]);
  });

  test("agree with the rollups: units with the day's consumption, rows with the code's active devices, devices with the item's — several codes on one item, late reports", async () => {
    const api = await sharedScanItem();
    expect((await api.authorize({ handshakeCode: CODE_B })).status).toBe(200); // device 1 through both codes
    const reports: [string, number, number, Record<string, number>][] = [
      [CODE, 1, 0, { qr: 3 }],
      [CODE_B, 1, -2, { oned: 4 }],
      [CODE_B, 2, -481, { qr: 1, oned: 1 }], // yesterday: device 2 seen only by this report that day
      [CODE, 1, -481 * 5, { qr: 9 }], // five days late
      [CODE_B, 2, 0, { oned: 6 }],
    ];
    for (const [code, device, offset, counts] of reports) expect((await api.report({ handshakeCode: code, device: { uuid: deviceId(device) }, records: [{ slot: slotIso(api.w, offset), counts }] })).status).toBe(200);
    api.w.clock.advance(DAY);
    expect((await api.authorize({ device: { uuid: deviceId(3) } })).status).toBe(200);

    expect(rows(api, `SELECT day, sum(units) AS units FROM device_days GROUP BY 1 HAVING sum(units) > 0 ORDER BY 1`)).toEqual(
      rows(api, `SELECT bucket AS day, sum(value) AS units FROM item_rollups WHERE period = 'day' AND metric = 'consumed' GROUP BY 1 ORDER BY 1`),
    );
    expect(rows(api, `SELECT day, count(DISTINCT device_uuid) AS devices FROM device_days GROUP BY 1 ORDER BY 1`)).toEqual(
      rows(api, `SELECT bucket AS day, value AS devices FROM item_rollups WHERE period = 'day' AND metric = 'devices' ORDER BY 1`),
    );
    expect(rows(api, `SELECT code_id, day, count(*) AS devices FROM device_days GROUP BY 1, 2 ORDER BY 1, 2`)).toEqual(
      rows(api, `SELECT code_id, bucket AS day, value AS devices FROM code_rollups WHERE period = 'day' AND metric = 'devices' ORDER BY 1, 2`),
    );
    expect(scalar(api, `SELECT value FROM item_rollups WHERE period = 'day' AND metric = 'devices' AND bucket = ?`, dayOf(START))).toBe(2);
    expect(scalar(api, `SELECT sum(value) FROM code_rollups WHERE period = 'day' AND metric = 'devices' AND bucket = ?`, dayOf(START))).toBe(3); // device 1 through two codes
  });

  test("a device seen only by reports counts as active that day, for its code and its item", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10 }] });
    expect((await api.authorize()).status).toBe(200);
    api.w.clock.advance(DAY);
    expect((await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] })).status).toBe(200);
    const devices = (table: string) => rows(api, `SELECT bucket, value FROM ${table} WHERE metric = 'devices' AND period = 'day' ORDER BY 1`);
    const expected = [{ bucket: dayOf(START), value: 1 }, { bucket: dayOf(START) + DAY, value: 1 }];
    expect(devices("item_rollups")).toEqual(expected);
    expect(devices("code_rollups")).toEqual(expected);
    expect(scalar(api, `SELECT value FROM code_rollups WHERE metric = 'devices' AND period = 'month'`)).toBe(2);
  });

  test("reports on an item that no longer serves (revoked: 113) still count their device and units", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100 }] });
    expect((await api.authorize()).status).toBe(200);
    api.w.db.$client.run(`UPDATE license_items SET revoked_at = ?`, [START]);
    catalogChanged(api.w.db);
    api.w.clock.advance(DAY);
    const answer = await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 5 } }] });
    expect(answer.body.error?.code).toBe(113);
    expect(rows(api, `SELECT day, reports, units FROM device_days ORDER BY day`)).toEqual([{ day: dayOf(START), reports: 0, units: 0 }, { day: dayOf(START) + DAY, reports: 1, units: 5 }]);
  });

  test("a refused or unknown authorization, a refused report and a duplicate report make no row and count no device", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1 }] });
    expect((await api.authorize({ product: "dwt" })).status).toBe(403); // 106
    expect((await api.authorize({ handshakeCode: "999999-nobody" })).body.ok).toBe(false);
    expect((await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] })).body.ok).toBe(false); // no grant yet: 104
    expect(scalar(api, "SELECT count(*) FROM device_days")).toBe(0);
    expect((await api.authorize()).status).toBe(200);
    expect((await api.authorize({ device: { uuid: deviceId(2) } })).body.error?.code).toBe(120); // the one seat is taken
    const body = { reportId: "report-dd-dup-01", records: [{ slot: slotIso(api.w), counts: { scans: 2 } }] };
    await api.report(body);
    await api.report(body);
    expect(rows(api, "SELECT device_uuid AS device, authorizations, reports, units FROM device_days")).toEqual([{ device: deviceId(1), authorizations: 1, reports: 1, units: 2 }]);
    expect(scalar(api, `SELECT sum(value) FROM item_rollups WHERE metric = 'devices' AND period = 'day'`)).toBe(1);
  });
});

describe("concurrency peaks", () => {
  test("the hour's and day's peak is the busiest slot's occupancy, and the allowance drawn is summed per day", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 1 }] });
    expect((await api.authorize()).status).toBe(200);
    expect((await api.authorize({ device: { uuid: deviceId(2) } })).status).toBe(200); // over the quantity: from the allowance
    expect((await api.release({ device: { uuid: deviceId(2) } })).status).toBe(200);
    expect((await api.authorize({ device: { uuid: deviceId(3) } })).status).toBe(200);
    const peak = (period: string) => scalar(api, `SELECT value FROM item_rollups WHERE metric = 'peak-devices' AND period = ? ORDER BY value DESC`, period);
    expect(peak("hour")).toBe(2);
    expect(peak("day")).toBe(2);
    expect(peak("all")).toBe(2);
    expect(scalar(api, `SELECT sum(value) FROM item_rollups WHERE metric = 'allowance' AND period = 'day'`)).toBe(scalar(api, "SELECT sum(used) FROM allowance_usage"));
  });
});

describe("authorization rollups", () => {
  test("count granted and refused per code, refusals by error code, unknown codes in the API's shared bucket", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 10 }] });
    expect((await api.authorize()).status).toBe(200);
    expect((await api.authorize({ product: "dwt" })).status).toBe(403); // 106
    expect((await api.authorize({ handshakeCode: "999999-nobody" })).body.ok).toBe(false);
    const all = rows(api, `SELECT code, result, count FROM authorization_rollups WHERE period = 'all' ORDER BY 1, 2`);
    expect(all).toEqual([{ code: "(unknown)", result: expect.any(Number), count: 1 }, { code: CODE, result: 0, count: 1 }, { code: CODE, result: 106, count: 1 }]);
    // The same totals as the slot-level counts the alerts read.
    expect(scalar(api, `SELECT sum(count) FROM authorization_rollups WHERE period = 'day'`)).toBe(scalar(api, `SELECT sum(granted + refused) FROM authorization_counts`));
  });
});

describe("the migration backfills history an upgraded database already holds", () => {
  test("rebuilding from the slot-level rows gives the rollups the live path kept (refusals under -1: their codes were not kept)", async () => {
    const api = await sharedScanItem();
    await api.report({ records: [{ slot: slotIso(api.w, -481), counts: { qr: 3, oned: 1 } }] });
    await api.report({ handshakeCode: CODE_B, device: { uuid: deviceId(2) }, records: [{ slot: slotIso(api.w, -20), counts: { oned: 7 } }] });
    expect((await api.authorize({ product: "dwt" })).status).toBe(403);
    const consumption = () => [
      rows(api, `SELECT * FROM item_rollups WHERE metric = 'consumed' ORDER BY 1, 2, 3, 4, 5`),
      rows(api, `SELECT * FROM code_rollups WHERE metric = 'consumed' ORDER BY 1, 2, 3, 4, 5, 6`),
    ];
    const before = consumption();
    const authorizations = rows(api, `SELECT code, period, bucket, sum(count) AS n, max(result > 0) AS refused FROM authorization_rollups GROUP BY 1, 2, 3, result = 0 ORDER BY 1, 2, 3, 5`);
    for (const table of ["item_rollups", "code_rollups", "authorization_rollups"]) api.w.db.$client.run(`DELETE FROM ${table}`);

    const backfill = await Bun.file(new URL("../../drizzle/0006_rollups-backfill.sql", import.meta.url)).text();
    for (const statement of backfill.split("--> statement-breakpoint")) api.w.db.$client.run(statement);

    expect(consumption()).toEqual(before);
    expect(rows(api, `SELECT code, period, bucket, sum(count) AS n, max(result <> 0) AS refused FROM authorization_rollups GROUP BY 1, 2, 3, result = 0 ORDER BY 1, 2, 3, 5`)).toEqual(authorizations);
    expect(scalar(api, `SELECT count(*) FROM authorization_rollups WHERE result = -1`)).toBeGreaterThan(0);
    expect(scalar(api, `SELECT sum(value) FROM item_rollups WHERE metric = 'devices' AND period = 'day'`)).toBe(2);
  });
});

describe("retention (rollup-retention job)", () => {
  test("slot-level rows go after --usage-slot-days, hourly rollups after --usage-hourly-days, daily and all-time rollups never", async () => {
    const api = await sharedScanItem();
    await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 2 } }] });
    const job = rollupRetentionJob({ clock: api.w.clock, logger: api.w.logger, usageStore: api.w.deps.usageStore, retention: { slotDays: 35, hourlyDays: 730 } });
    const count = (sql: string) => scalar(api, sql);

    api.w.clock.advance(35 * DAY);
    job.run();
    expect(count("SELECT count(*) FROM usage_records")).toBe(1); // exactly 35 days: still kept
    expect(count("SELECT count(*) FROM device_days")).toBe(2);
    api.w.clock.advance(DAY);
    job.run();
    expect(count("SELECT count(*) FROM usage_records")).toBe(0);
    expect(count("SELECT count(*) FROM device_days")).toBe(0); // per-device days go with the slot-level rows
    expect(count("SELECT count(*) FROM concurrent_seats")).toBe(0);
    expect(count("SELECT count(*) FROM item_rollups WHERE period = 'hour'")).toBe(1);

    api.w.clock.advance(700 * DAY);
    job.run();
    for (const table of ["item_rollups", "code_rollups", "authorization_rollups"]) expect(count(`SELECT count(*) FROM ${table} WHERE period = 'hour'`)).toBe(0);
    expect(count("SELECT value FROM item_rollups WHERE period = 'day' AND metric = 'consumed'")).toBe(2);
    expect(count("SELECT value FROM item_rollups WHERE period = 'all' AND metric = 'consumed'")).toBe(2);
    expect(count("SELECT sum(count) FROM authorization_rollups WHERE period = 'day'")).toBe(2);
  });

  test("the retention options default to 35 and 730 days and refuse less than 35", () => {
    expect(loadConfig({ env: {}, flags: {} })).toMatchObject({ usageSlotDays: 35, usageHourlyDays: 730 });
    expect(loadConfig({ env: { LTS_USAGE_HOURLY_DAYS: "3650" }, flags: {} }).usageHourlyDays).toBe(3650);
    expect(() => loadConfig({ env: {}, flags: { usageSlotDays: "7" } })).toThrow(/--usage-slot-days/);
  });
});

describe("monthly rollups", () => {
  test("agree with the daily ones: sums per month, maxima for peaks", async () => {
    const api = await sharedScanItem();
    await api.report({ records: [{ slot: new Date(START - 29 * DAY).toISOString(), counts: { qr: 5 } }, { slot: slotIso(api.w), counts: { oned: 2 } }] });
    const month = (ms: number) => Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth(), 1);
    const daily = rows(api, `SELECT bucket, metric, name, value FROM item_rollups WHERE period = 'day' ORDER BY 1`);
    const expected = new Map<string, number>();
    for (const r of daily) {
      const key = `${month(r.bucket as number)}|${r.metric}|${r.name}`;
      expected.set(key, (expected.get(key) ?? 0) + (r.value as number));
    }
    const monthly = rows(api, `SELECT bucket, metric, name, value FROM item_rollups WHERE period = 'month'`);
    expect(new Map(monthly.map((r) => [`${r.bucket}|${r.metric}|${r.name}`, r.value as number]))).toEqual(expected);
    expect(monthly.map((r) => r.bucket)).toContain(Date.UTC(2026, 9, 1)); // 29 days back: October
  });
});
