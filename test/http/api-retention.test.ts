import { describe, expect, test } from "bun:test";
import { AUTHORIZATION_COUNT_RETENTION_MS, SILENT_DEVICE_RETENTION_MS } from "../../src/services/authorization";
import { housekeepingJob } from "../../src/jobs/housekeeping";
import { apiWorld, DAY, deviceId, slotIso } from "../helpers/api";

// What housekeeping forgets (src/jobs/housekeeping.ts calls these UsageStore methods): authorization counts
// past the statistics retention, and silent devices of items whose device rows count against nothing.

const count = (api: { w: { db: { $client: { query(sql: string): { get(): unknown } } } } }, sql: string) => (api.w.db.$client.query(sql).get() as { n: number }).n;

describe("housekeeping", () => {
  test("the housekeeping job purges old authorization counts and forgets silent devices of uncapped items", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100 }] });
    await api.authorize();
    api.w.clock.advance(SILENT_DEVICE_RETENTION_MS + AUTHORIZATION_COUNT_RETENTION_MS + 1);
    await housekeepingJob(api.w.deps).run();
    expect(count(api, "SELECT count(*) AS n FROM authorization_counts")).toBe(0);
    expect(count(api, "SELECT count(*) AS n FROM item_devices")).toBe(0);
  });

  test("authorization counts of slots older than 35 days are purged; newer ones stay", async () => {
    const api = await apiWorld();
    expect(AUTHORIZATION_COUNT_RETENTION_MS).toBeGreaterThanOrEqual(35 * DAY);
    await api.authorize();
    api.w.clock.advance(10 * DAY);
    await api.authorize({ product: "dlr" });
    const now = api.w.clock.now().getTime();
    expect(api.w.deps.usageStore.purgeAuthorizationCounts(now - 5 * DAY)).toBe(1);
    expect(api.w.db.$client.query("SELECT granted, refused FROM authorization_counts").all()).toEqual([{ granted: 0, refused: 1 }]);
  });

  test("devices of scan, page and domain items silent for 35 days are forgotten with their grants; device and concurrent items keep theirs", async () => {
    const api = await apiWorld({ items: (["scan", "page", "domain", "device", "concurrent-device"] as const).map((chargeWay) => ({ chargeWay, quantity: 100 })) });
    for (const chargeWay of ["scan", "page", "domain", "device", "concurrent-device"]) {
      expect((await api.authorize({ chargeWay, validation: { domain: "app.example.com" } })).status).toBe(200);
      expect((await api.authorize({ chargeWay, validation: { domain: "app.example.com" }, device: { uuid: deviceId(2) } })).status).toBe(200);
    }
    api.w.clock.advance(20 * DAY);
    // device-0002 stays in touch: a report counts as contact.
    expect((await api.report({ device: { uuid: deviceId(2) }, records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] })).status).toBe(200);
    expect((await api.authorize({ chargeWay: "domain", validation: { domain: "app.example.com" }, device: { uuid: deviceId(2) } })).status).toBe(200);
    expect((await api.authorize({ chargeWay: "page", device: { uuid: deviceId(2) } })).status).toBe(200);
    api.w.clock.advance(SILENT_DEVICE_RETENTION_MS - 20 * DAY);
    expect(count(api, "SELECT count(*) AS n FROM item_devices")).toBe(10);

    const forget = () => api.w.deps.usageStore.forgetSilentDevices(api.w.clock.now().getTime() - SILENT_DEVICE_RETENTION_MS);
    expect(forget()).toBe(0); // silent exactly 35 days: kept
    api.w.clock.advance(1);
    expect(forget()).toBe(3);
    const left = api.w.db.$client.query("SELECT i.charge_way AS way, d.device_uuid AS device FROM item_devices d JOIN license_items i ON i.id = d.item_row_id ORDER BY i.item_id, d.device_uuid").all();
    expect(left).toEqual([
      { way: "scan", device: deviceId(2) },
      { way: "page", device: deviceId(2) },
      { way: "domain", device: deviceId(2) },
      { way: "device", device: deviceId(1) },
      { way: "device", device: deviceId(2) },
      { way: "concurrent-device", device: deviceId(1) },
      { way: "concurrent-device", device: deviceId(2) },
    ]);
    expect(count(api, "SELECT count(*) AS n FROM grants")).toBe(7);
    // A forgotten device that comes back authorizes first, then reports.
    expect((await api.report()).body.error.code).toBe(104);
    expect((await api.authorize({ chargeWay: "scan" })).status).toBe(200);
    expect((await api.report()).status).toBe(200);
  });
});
