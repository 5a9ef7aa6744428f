import { describe, expect, test } from "bun:test";
import { addCode, apiWorld, DAY, deviceId, freshNonce, freshReportId, importLicense, itemOf, reportBody, slotIso, START, updateCode, usageState, type Answer, type ApiWorld } from "../helpers/api";

// PROTOCOL.md, "POST /api/v1/report": records land in their own slots, scan/page items are debited,
// reports are idempotent by (device, reportId), and the checks are 1, 100, 101, 102, then 104.

const refused = (a: Answer, code: number, status = code === 1 ? 400 : 403) => expect({ status: a.status, code: a.body.error?.code }).toEqual({ status, code });
const rows = (api: ApiWorld, sql: string) => api.w.db.$client.query(sql).all();
const scalar = (api: ApiWorld, sql: string) => Object.values(api.w.db.$client.query(sql).get() as object)[0] as number;

async function scanWorld(quantity = 1000) {
  const api = await apiWorld({ items: [{ chargeWay: "scan", quantity, modules: ["qr", "oned"] }] });
  expect((await api.authorize()).status).toBe(200);
  return api;
}

describe("a report", () => {
  test("is accepted: every record counted in its own slot, the answer says how many and carries the license", async () => {
    const api = await scanWorld();
    const a = await api.report({
      records: [
        { slot: slotIso(api.w, -2), counts: { qr: 3, oned: 1 } },
        { slot: slotIso(api.w), counts: { qr: 2 } },
      ],
    });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ ok: true, accepted: 2, duplicate: false, license: { itemId: "2000001", chargeWay: "scan", validUntil: new Date(START + 3 * DAY).toISOString() } });
    expect(rows(api, "SELECT slot, name, count FROM usage_records ORDER BY slot, name")).toEqual([
      { slot: START - 6 * 60_000, name: "oned", count: 1 },
      { slot: START - 6 * 60_000, name: "qr", count: 3 },
      { slot: START, name: "qr", count: 2 },
    ]);
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(6);
  });

  test("records of one slot from several reports add up", async () => {
    const api = await scanWorld();
    await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 2 } }] });
    await api.report({ device: { uuid: deviceId(1) }, records: [{ slot: slotIso(api.w), counts: { qr: 5, oned: 0 } }] });
    expect(rows(api, "SELECT name, count FROM usage_records")).toEqual([{ name: "qr", count: 7 }]);
  });

  test("a late report (29 days old) lands in its own slot", async () => {
    const api = await scanWorld();
    const old = new Date(START - 29 * DAY).toISOString();
    expect((await api.report({ records: [{ slot: old, counts: { qr: 4 } }] })).status).toBe(200);
    expect(rows(api, "SELECT slot, count FROM usage_records")).toEqual([{ slot: START - 29 * DAY, count: 4 }]);
  });

  test("a slot exactly 30 days back is accepted; one slot earlier is code 1", async () => {
    const api = await scanWorld();
    expect((await api.report({ records: [{ slot: new Date(START - 30 * DAY).toISOString(), counts: { qr: 1 } }] })).status).toBe(200);
    refused(await api.report({ records: [{ slot: new Date(START - 30 * DAY - 180_000).toISOString(), counts: { qr: 1 } }] }), 1);
    refused(await api.report({ records: [{ slot: new Date(START - 31 * DAY).toISOString(), counts: { qr: 1 } }] }), 1);
  });

  test("a slot up to 5 minutes ahead is accepted (clock skew); further ahead is code 1", async () => {
    const api = await scanWorld();
    expect((await api.report({ records: [{ slot: slotIso(api.w, 1), counts: { qr: 1 } }] })).status).toBe(200); // +3 min
    refused(await api.report({ records: [{ slot: slotIso(api.w, 2), counts: { qr: 1 } }] }), 1); // +6 min
    api.w.clock.advance(60_000); // 12:01: the slot 12:06 is 5 minutes ahead
    expect((await api.report({ records: [{ slot: "2026-11-28T12:06:00.000Z", counts: { qr: 1 } }] })).status).toBe(200);
  });

  test("one bad record refuses the whole report: nothing is counted", async () => {
    const api = await scanWorld();
    const before = usageState(api.w);
    refused(await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 1 } }, { slot: "2026-11-28T12:01:00.000Z", counts: { qr: 1 } }] }), 1);
    expect(usageState(api.w)).toEqual(before);
  });

  test("1000 records and 32 names are the most a report may carry", async () => {
    const modules = Array.from({ length: 32 }, (_, i) => `m${i}`);
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 1000, modules: ["qr", ...modules] }] });
    expect((await api.authorize()).status).toBe(200);
    const names = Object.fromEntries(modules.map((m) => [m, 1]));
    expect((await api.report({ records: [{ slot: slotIso(api.w), counts: names }] })).status).toBe(200);
    const many = Array.from({ length: 1000 }, (_, i) => ({ slot: slotIso(api.w, -(i % 400)), counts: { qr: 1 } }));
    const a = await api.report({ records: many });
    expect(a.body).toMatchObject({ ok: true, accepted: 1000 });
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(1032);
  });

  test("counts that add up past 2^53 − 1 saturate there: only safe integers are stored and read back", async () => {
    const api = await scanWorld();
    const max = Number.MAX_SAFE_INTEGER;
    const a = await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: max, oned: max } }] });
    expect(a.body.error.code).toBe(120); // far past the cap: recorded, and the client stops
    await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 5 } }] });
    const stored = rows(api, "SELECT typeof(consumed) AS t, consumed AS v FROM item_counters UNION ALL SELECT typeof(count), count FROM usage_records") as { t: string; v: number }[];
    expect(stored).toEqual([
      { t: "integer", v: max },
      { t: "integer", v: max },
      { t: "integer", v: max },
    ]);
  });

  test("an item not linked to the code is 104", async () => {
    const api = await scanWorld();
    const a = await api.report({ itemId: "2999999" });
    refused(a, 104);
    expect(a.body.error.message).toMatch(/not linked/);
  });

  test("a device without a grant on the item from this code is 104, even with one from another code", async () => {
    const api = await scanWorld();
    refused(await api.report({ device: { uuid: deviceId(2) } }), 104);
    addCode(api.w, "100200-appB", { itemIds: ["2000001"] });
    expect((await api.authorize({ handshakeCode: "100200-appB", device: { uuid: deviceId(3) } })).status).toBe(200);
    const before = usageState(api.w);
    refused(await api.report({ device: { uuid: deviceId(3) } }), 104);
    expect(usageState(api.w)).toEqual(before);
    expect((await api.report({ handshakeCode: "100200-appB", device: { uuid: deviceId(3) } })).status).toBe(200);
  });

  test("an unknown or disabled code is 101", async () => {
    const api = await scanWorld();
    refused(await api.report({ handshakeCode: "100200-other" }), 101, 404);
    updateCode(api.w, "100200-appA", { enabled: false });
    refused(await api.report(), 101, 404);
  });

  test("the code's validation fields are checked at authorize only: a report from a server process is accepted", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 1000 }] });
    updateCode(api.w, "100200-appA", { validationDomains: ["example.com"], validationAppIds: ["com.example.scanner"], validationProcessNames: ["scanner"] });
    const ok = await api.authorize({ validation: { domain: "example.com", appId: "com.example.scanner", processName: "scanner" } });
    expect(ok.status).toBe(200);
    const a = await api.report();
    expect({ status: a.status, error: a.body.error }).toEqual({ status: 200, error: undefined });
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(1);
  });
});

describe("reports are idempotent by (device, reportId)", () => {
  test("the same records again (key order shuffled) get the first answer with duplicate: true, their own nonce, counted once", async () => {
    const api = await scanWorld();
    const body = reportBody(api.w, { records: [{ slot: slotIso(api.w, -1), counts: { qr: 3, oned: 1 } }, { slot: slotIso(api.w), counts: { oned: 2, qr: 5 } }] });
    const first = await api.post("report", body);
    expect(first.body).toMatchObject({ ok: true, duplicate: false, accepted: 2 });
    api.w.clock.advance(90_000);
    const nonce = freshNonce();
    const shuffled = {
      nonce,
      records: [{ counts: { oned: 1, qr: 3 }, slot: slotIso(api.w, -1) }, { counts: { qr: 5, oned: 2 }, slot: slotIso(api.w) }],
      reportId: body.reportId,
      device: body.device,
      itemId: body.itemId,
      handshakeCode: body.handshakeCode,
    };
    const again = await api.post("report", shuffled);
    expect(again.status).toBe(200);
    const { nonce: n1, serverTime: t1, duplicate: d1, ...rest1 } = first.body;
    const { nonce: n2, serverTime: t2, duplicate: d2, ...rest2 } = again.body;
    expect([d1, d2, n2, t2]).toEqual([false, true, nonce, "2026-11-28T12:01:30.000Z"]);
    expect(rest2).toEqual(rest1);
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(11);
    expect(scalar(api, "SELECT sum(count) FROM usage_records")).toBe(11);
    expect(scalar(api, "SELECT count(*) FROM reports")).toBe(1);
  });

  test("the same reportId with other records is code 1 and counts nothing", async () => {
    const api = await scanWorld();
    const body = reportBody(api.w, { records: [{ slot: slotIso(api.w), counts: { qr: 3 } }] });
    await api.post("report", body);
    const before = usageState(api.w);
    for (const records of [[{ slot: slotIso(api.w), counts: { qr: 4 } }], [{ slot: slotIso(api.w, -1), counts: { qr: 3 } }], [{ slot: slotIso(api.w), counts: { qr: 3, oned: 0 } }]]) {
      const a = await api.post("report", { ...body, records, nonce: freshNonce() });
      refused(a, 1);
      expect(a.body.error.message).toMatch(/reportId/);
    }
    expect(usageState(api.w)).toEqual(before);
  });

  test("the same reportId from another device is another report", async () => {
    const api = await scanWorld();
    expect((await api.authorize({ device: { uuid: deviceId(2) } })).status).toBe(200);
    const body = reportBody(api.w);
    await api.post("report", body);
    const other = await api.post("report", { ...body, device: { uuid: deviceId(2) }, nonce: freshNonce() });
    expect(other.body.duplicate).toBe(false);
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(2);
  });

  test("a report answered 120 gets 120 again when repeated, and is counted once", async () => {
    const api = await scanWorld(10);
    const body = reportBody(api.w, { records: [{ slot: slotIso(api.w), counts: { scans: 20 } }] });
    refused(await api.post("report", body), 120);
    const again = await api.post("report", { ...body, nonce: freshNonce() });
    refused(again, 120);
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(20);
  });

  test("a fresh reportId is needed for new usage", async () => {
    const api = await scanWorld();
    await api.report();
    await api.report({ reportId: freshReportId() });
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(2);
  });
});

describe("a report on an item that no longer serves records the usage and tells the client to stop", () => {
  const usageRows = (api: ApiWorld) => rows(api, "SELECT name, count FROM usage_records");
  const codeUpdatedAt = (api: ApiWorld) => scalar(api, "SELECT updated_at FROM handshake_codes WHERE code = '100200-appA'");

  test("113 once the item is revoked; the revocation moves the code's updatedAt", async () => {
    const api = await scanWorld();
    const before = codeUpdatedAt(api);
    api.w.clock.advance(60_000);
    importLicense(api.w, api.uuid, { licenseId: "5000001", status: "revocation", items: [], revokes: ["2000001"] });
    expect(codeUpdatedAt(api)).toBeGreaterThan(before);
    const a = await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 2 } }] });
    refused(a, 113);
    expect(a.body.error.message).toMatch(/revoked; this usage was recorded/);
    expect(usageRows(api)).toEqual([{ name: "qr", count: 2 }]);
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(2);
    // Repeated, it gets the same answer and counts nothing twice.
    const body = reportBody(api.w, { records: [{ slot: slotIso(api.w), counts: { qr: 1 } }] });
    refused(await api.post("report", body), 113);
    refused(await api.post("report", { ...body, nonce: freshNonce() }), 113);
    expect(usageRows(api)).toEqual([{ name: "qr", count: 3 }]);
  });

  test("111 past expiry and grace, not a millisecond before", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", modules: ["qr"], expiresAt: "2026-12-01T00:00:00.000Z", graceDays: 1 }] });
    expect((await api.authorize()).status).toBe(200);
    api.w.clock.set("2026-12-01T23:59:59.999Z");
    expect((await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 1 } }] })).status).toBe(200);
    api.w.clock.set("2026-12-02T00:00:00.000Z");
    refused(await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 4 } }] }), 111);
    expect(usageRows(api)).toEqual([{ name: "qr", count: 1 }, { name: "qr", count: 4 }]);
  });

  test("112 when a newer file moves the item's start to the future; the update moves the code's updatedAt", async () => {
    const api = await scanWorld();
    const before = codeUpdatedAt(api);
    api.w.clock.advance(60_000);
    importLicense(api.w, api.uuid, { issuedAt: "2026-11-20T00:00:00.000Z", items: [itemOf({ chargeWay: "scan", quantity: 1000, modules: ["qr", "oned"], startsAt: "2026-12-05T00:00:00.000Z" })] });
    expect(codeUpdatedAt(api)).toBeGreaterThan(before);
    refused(await api.report({ records: [{ slot: slotIso(api.w), counts: { oned: 5 } }] }), 112);
    expect(usageRows(api)).toEqual([{ name: "oned", count: 5 }]);
  });

  test("a rebind moves the code's updatedAt too", async () => {
    const api = await scanWorld();
    const before = codeUpdatedAt(api);
    api.w.clock.advance(60_000);
    importLicense(api.w, api.uuid, { issuedAt: "2026-11-20T00:00:00.000Z", boundUuids: [api.uuid, "11111111-2222-3333-4444-555555555555"], items: [itemOf({ chargeWay: "scan", quantity: 1000, modules: ["qr", "oned"] })] });
    expect(codeUpdatedAt(api)).toBeGreaterThan(before);
  });
});

describe("a report's counter names and size are bounded (a license key is public)", () => {
  test("a name that is neither a module of the item nor its unit is code 1, naming it and the allowed ones; nothing changes", async () => {
    const api = await scanWorld();
    const before = usageState(api.w);
    const a = await api.report({ records: [{ slot: slotIso(api.w), counts: { qr: 1 } }, { slot: slotIso(api.w, -1), counts: { qr: 1, "random-name-1": 5 } }] });
    refused(a, 1);
    expect(a.body.error.message).toBe('records[1].counts: "random-name-1" is not a counter of item 2000001; count one of qr, oned, scans.');
    refused(await api.report({ records: [{ slot: slotIso(api.w), counts: { pages: 1 } }] }), 1); // a scan item counts scans
    expect(usageState(api.w)).toEqual(before);
    expect((await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 2, qr: 1, oned: 1 } }] })).status).toBe(200);
  });

  test("a page item counts pages; a device item its modules, scans or pages", async () => {
    const pages = await apiWorld({ items: [{ chargeWay: "page", quantity: 100 }] });
    expect((await pages.authorize()).status).toBe(200);
    refused(await pages.report({ records: [{ slot: slotIso(pages.w), counts: { scans: 1 } }] }), 1);
    expect((await pages.report({ records: [{ slot: slotIso(pages.w), counts: { pages: 1 } }] })).status).toBe(200);
    const devices = await apiWorld({ items: [{ chargeWay: "device", quantity: 5, modules: ["ocr"] }] });
    expect((await devices.authorize()).status).toBe(200);
    expect((await devices.report({ records: [{ slot: slotIso(devices.w), counts: { ocr: 1, scans: 1, pages: 1 } }] })).status).toBe(200);
    refused(await devices.report({ records: [{ slot: slotIso(devices.w), counts: { qr: 1 } }] }), 1);
  });

  test("at most 4000 counts in all the records of one report: one more is code 1 and changes nothing", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 1_000_000, modules: ["qr", "oned", "dm", "pdf"] }] });
    expect((await api.authorize()).status).toBe(200);
    const records = Array.from({ length: 1000 }, (_, i) => ({ slot: slotIso(api.w, -i), counts: { qr: 1, oned: 1, dm: 1, pdf: 1 } }));
    expect((await api.report({ records })).body).toMatchObject({ ok: true, accepted: 1000 });
    const before = usageState(api.w);
    const a = await api.report({ records: [...records.slice(0, 999), { ...records[999]!, counts: { ...records[999]!.counts, scans: 1 } }] });
    refused(a, 1);
    expect(a.body.error.message).toContain("records: must hold at most 4000 counts in all; split the usage into several reports");
    expect(usageState(api.w)).toEqual(before);
  });
});
