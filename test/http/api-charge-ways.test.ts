import { describe, expect, test } from "bun:test";
import { apiWorld, DAY, deviceId, slotIso, START, type Answer, type ApiWorld } from "../helpers/api";

// PROTOCOL.md, "Charge-way arithmetic" (q = quantity, round = half up) and "validUntil", at their
// boundaries, with the world's ManualClock (it starts at 2026-11-28T12:00:00.000Z, a slot start).

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const granted = (a: Answer) => expect({ status: a.status, code: a.body.error?.code, message: a.body.error?.message }).toEqual({ status: 200, code: undefined, message: undefined });
const refused = (a: Answer, code: number) => expect({ status: a.status, code: a.body.error?.code }).toEqual({ status: 403, code });
const as = (n: number, extra: Record<string, unknown> = {}) => ({ device: { uuid: deviceId(n) }, ...extra });
const scalar = (api: ApiWorld, sql: string) => Object.values(api.w.db.$client.query(sql).get() as object)[0] as number;

describe("device: devices active within the window, +10 % for new devices", () => {
  const limits: [number, number][] = [
    [1, 1], // 0.1 rounds to 0
    [4, 4], // 0.4 → 0
    [5, 6], // 0.5 → 1 (half up)
    [10, 11],
    [14, 15], // 1.4 → 1
    [15, 17], // 1.5 → 2
    [25, 28], // 2.5 → 3
  ];
  for (const [q, limit] of limits) {
    test(`q = ${q}: ${limit} devices are granted, the next new one gets 120`, async () => {
      const api = await apiWorld({ items: [{ chargeWay: "device", quantity: q }] });
      for (let n = 1; n <= limit; n++) granted(await api.authorize(as(n)));
      refused(await api.authorize(as(limit + 1)), 120);
      expect(scalar(api, "SELECT count(*) FROM item_devices")).toBe(limit);
    });
  }

  test("a known device keeps being granted when the seats are full, and its validUntil is last contact + window", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10, windowDays: 30 }] });
    for (let n = 1; n <= 11; n++) expect((await api.authorize(as(n))).body.license.validUntil).toBe(iso(START + 30 * DAY));
    refused(await api.authorize(as(12)), 120);
    api.w.clock.advance(DAY);
    const again = await api.authorize(as(1));
    granted(again);
    expect(again.body.license).toMatchObject({ chargeWay: "device", itemId: "2000001", validUntil: iso(START + 31 * DAY) });
    refused(await api.authorize(as(12)), 120);
  });

  test("contacts are recorded at most once per UTC hour (grants once a day): within it validUntil stays the recorded one; the next hour moves it", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10, windowDays: 30 }] });
    const seen = () => api.w.db.$client.query("SELECT last_seen_at AS d, (SELECT last_granted_at FROM grants) AS g FROM item_devices").get();
    granted(await api.authorize(as(1)));
    api.w.clock.advance(59 * MIN); // 12:59, the same hour
    const within = await api.authorize(as(1));
    expect(within.body.license.validUntil).toBe(iso(START + 30 * DAY));
    const report = await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] });
    expect(report.body.license.validUntil).toBe(iso(START + 30 * DAY));
    expect(seen()).toEqual({ d: START, g: START });
    api.w.clock.advance(MIN); // 13:00
    expect((await api.authorize(as(1))).body.license.validUntil).toBe(iso(START + 60 * MIN + 30 * DAY));
    expect(seen()).toEqual({ d: START + 60 * MIN, g: START }); // the grant: once a day
    api.w.clock.set(iso(START + DAY));
    await api.authorize(as(1));
    expect(seen()).toEqual({ d: START + DAY, g: START + DAY });
  });

  test("a new device name is recorded at once, within the hour", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10, windowDays: 30 }] });
    await api.authorize({ device: { uuid: deviceId(1), name: "old" } });
    api.w.clock.advance(MIN);
    await api.authorize({ device: { uuid: deviceId(1), name: "front desk" } });
    expect(scalar(api, "SELECT device_name FROM item_devices")).toBe("front desk" as unknown as number);
  });

  test("seats free themselves when the window lapses: active while now < last contact + windowDays", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10, windowDays: 30 }] });
    for (let n = 1; n <= 11; n++) await api.authorize(as(n));
    api.w.clock.set(iso(START + DAY));
    await api.authorize(as(1)); // device 1 stays active one day longer
    api.w.clock.set(iso(START + 30 * DAY - 1));
    refused(await api.authorize(as(12)), 120);
    api.w.clock.set(iso(START + 30 * DAY));
    for (let n = 12; n <= 21; n++) granted(await api.authorize(as(n)));
    refused(await api.authorize(as(22)), 120);
  });

  test("a device whose window lapsed is new again, and waits like any new device", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1, windowDays: 1 }] });
    granted(await api.authorize(as(1)));
    api.w.clock.advance(DAY);
    granted(await api.authorize(as(2)));
    refused(await api.authorize(as(1)), 120);
  });

  test("a report refreshes the device's active-until", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1, windowDays: 30 }] });
    await api.authorize(as(1));
    api.w.clock.advance(20 * DAY);
    const r = await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] });
    expect(r.body.license.validUntil).toBe(iso(START + 50 * DAY));
    api.w.clock.set(iso(START + 30 * DAY));
    refused(await api.authorize(as(2)), 120);
    api.w.clock.set(iso(START + 50 * DAY));
    granted(await api.authorize(as(2)));
  });

  test("a report does not bring back a lapsed device whose seat was taken: the usage is recorded, its license stays expired", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1, windowDays: 1 }] });
    granted(await api.authorize(as(1)));
    api.w.clock.advance(DAY);
    granted(await api.authorize(as(2)));
    const late = await api.report({ records: [{ slot: slotIso(api.w, -481), counts: { scans: 5 } }] });
    granted(late);
    expect(late.body.license.validUntil).toBe(iso(START + DAY)); // its own, lapsed active-until
    expect(scalar(api, "SELECT sum(count) FROM usage_records")).toBe(5);
    expect(scalar(api, `SELECT count(*) FROM item_devices WHERE active_until > ${START + DAY}`)).toBe(1);
    refused(await api.authorize(as(1)), 120);
  });

  test("a report from a lapsed device takes a free seat, as an authorize would", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 1, windowDays: 1 }] });
    await api.authorize(as(1));
    api.w.clock.advance(DAY);
    expect((await api.report()).body.license.validUntil).toBe(iso(START + 2 * DAY));
    refused(await api.authorize(as(2)), 120);
  });

  test("validUntil is capped at expiry + grace", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 5, windowDays: 30, expiresAt: "2026-12-10T00:00:00.000Z" }] });
    expect((await api.authorize()).body.license).toMatchObject({ validUntil: "2026-12-17T00:00:00.000Z", itemExpiresAt: "2026-12-10T00:00:00.000Z" });
  });
});

describe("scan and page: a quota of q + round(q × 5 %)", () => {
  const caps: [number, number][] = [
    [1, 1], // 0.05 → 0
    [9, 9], // 0.45 → 0
    [10, 11], // 0.5 → 1 (half up)
    [30, 32], // 1.5 → 2
    [100, 105],
  ];
  for (const [q, cap] of caps) {
    test(`q = ${q}: authorize is granted while consumed < ${cap}, and refused with 120 from ${cap} on`, async () => {
      const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: q }] });
      granted(await api.authorize());
      if (cap > 1) granted(await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: cap - 1 } }] }));
      granted(await api.authorize());
      granted(await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] })); // consumed = cap: not above it
      refused(await api.authorize(), 120);
      refused(await api.authorize(as(2)), 120); // for every client
      expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(cap);
    });
  }

  test("a report that takes consumption above the cap is recorded and answered 120", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "page", quantity: 100, modules: ["ocr"] }] });
    await api.authorize();
    granted(await api.report({ records: [{ slot: slotIso(api.w), counts: { pages: 100 } }] }));
    const over = await api.report({ records: [{ slot: slotIso(api.w), counts: { pages: 4, ocr: 6 } }] });
    refused(over, 120);
    expect(over.body.error.message).toMatch(/recorded/);
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(110);
    expect(scalar(api, "SELECT sum(count) FROM usage_records")).toBe(110);
    refused(await api.report({ records: [{ slot: slotIso(api.w), counts: { pages: 1 } }] }), 120); // still above: the client stops
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(111);
  });

  test("the item is debited by the sum of all counts of all records", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 1000, modules: ["qr", "oned"] }] });
    await api.authorize();
    await api.report({
      records: [
        { slot: slotIso(api.w, -1), counts: { qr: 3, oned: 1 } },
        { slot: slotIso(api.w), counts: { qr: 2, scans: 10 } },
      ],
    });
    expect(scalar(api, "SELECT consumed FROM item_counters")).toBe(16);
  });

  test("validUntil is now + 3 days, capped at expiry + grace", async () => {
    const api = await apiWorld({
      items: [
        { chargeWay: "scan", quantity: 10 },
        { chargeWay: "page", quantity: 10, expiresAt: "2026-11-29T00:00:00.000Z", graceDays: 1 },
      ],
    });
    expect((await api.authorize({ chargeWay: "scan" })).body.license.validUntil).toBe(iso(START + 3 * DAY));
    expect((await api.authorize({ chargeWay: "page" })).body.license.validUntil).toBe("2026-11-30T00:00:00.000Z");
  });
});

describe("concurrent-device: q seats per 3-minute slot, then an allowance of 1000 × q a license year", () => {
  const allowanceUsed = (api: ApiWorld) => scalar(api, "SELECT coalesce(sum(used), 0) FROM allowance_usage");

  test("q devices take the slot's seats; the next ones each draw one unit of the allowance", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 2 }] });
    granted(await api.authorize(as(1)));
    granted(await api.authorize(as(2)));
    expect(allowanceUsed(api)).toBe(0);
    granted(await api.authorize(as(3)));
    expect(allowanceUsed(api)).toBe(1);
    granted(await api.authorize(as(1))); // already seated in this slot: no new draw
    granted(await api.authorize(as(3)));
    expect(allowanceUsed(api)).toBe(1);
  });

  test("validUntil is the end of the next slot", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 2 }] });
    expect((await api.authorize()).body.license.validUntil).toBe("2026-11-28T12:06:00.000Z");
    api.w.clock.set("2026-11-28T12:05:59.999Z");
    expect((await api.authorize()).body.license.validUntil).toBe("2026-11-28T12:09:00.000Z");
  });

  test("a grant also holds the next slot; the slot after that is free again", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 2 }] });
    await api.authorize(as(1));
    await api.authorize(as(2));
    api.w.clock.advance(3 * MIN); // 12:03: both seats still held
    granted(await api.authorize(as(3)));
    expect(allowanceUsed(api)).toBe(1);
    api.w.clock.advance(3 * MIN); // 12:06: devices 1 and 2 lapsed; device 3 (granted at 12:03) holds this slot
    granted(await api.authorize(as(4)));
    expect(allowanceUsed(api)).toBe(1);
    granted(await api.authorize(as(5)));
    expect(allowanceUsed(api)).toBe(2);
  });

  test("a report occupies a seat in each slot it reports", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 1 }] });
    await api.authorize(as(1));
    api.w.clock.advance(6 * MIN); // the grant's seats have lapsed
    granted(await api.report({ records: [{ slot: slotIso(api.w), counts: { scans: 1 } }] }));
    granted(await api.authorize(as(2)));
    expect(allowanceUsed(api)).toBe(1); // device 1's reported seat was taken
  });

  test("a report's license promises only the seats the device holds: a grant holds the next slot, a report does not", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 1 }] });
    expect((await api.authorize(as(1))).body.license.validUntil).toBe("2026-11-28T12:06:00.000Z");
    api.w.clock.set("2026-11-28T12:04:00.000Z");
    const first = await api.report({ records: [{ slot: "2026-11-28T12:00:00.000Z", counts: { scans: 1 } }] });
    expect(first.body.license.validUntil).toBe("2026-11-28T12:06:00.000Z"); // the grant's held slot, not 12:09
    api.w.clock.set("2026-11-28T12:07:00.000Z");
    const second = await api.report({ records: [{ slot: "2026-11-28T12:03:00.000Z", counts: { scans: 1 } }] });
    expect(second.body.license.validUntil).toBe("2026-11-28T12:07:00.000Z"); // holds no seat now: authorize again
    granted(await api.authorize(as(2))); // the seat was free: no allowance drawn
    expect(allowanceUsed(api)).toBe(0);
    granted(await api.authorize(as(1)));
    expect(allowanceUsed(api)).toBe(1);
    const third = await api.report({ records: [{ slot: "2026-11-28T12:06:00.000Z", counts: { scans: 1 } }] });
    expect(third.body.license.validUntil).toBe("2026-11-28T12:12:00.000Z"); // the seats its grant at 12:07 holds
  });

  test("release frees the seat from the current slot on", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 1 }] });
    await api.authorize(as(1));
    granted(await api.release());
    granted(await api.authorize(as(2)));
    expect(allowanceUsed(api)).toBe(0);
    api.w.clock.advance(3 * MIN);
    granted(await api.release({ device: { uuid: deviceId(2) } }));
    granted(await api.authorize(as(3)));
    expect(allowanceUsed(api)).toBe(0);
    expect(scalar(api, "SELECT count(*) FROM concurrent_seats WHERE device_uuid = 'device-0002' AND slot >= " + Date.parse("2026-11-28T12:03:00.000Z"))).toBe(0);
    expect(scalar(api, "SELECT count(*) FROM concurrent_seats WHERE device_uuid = 'device-0002'")).toBe(1); // its past slot stays for statistics
  });

  test("when the allowance is gone: 120, until the next license year (counted from activation)", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 2, expiresAt: "2028-06-30T00:00:00.000Z" }] });
    await api.authorize(as(1));
    await api.authorize(as(2));
    granted(await api.authorize(as(3)));
    api.w.db.$client.run("UPDATE allowance_usage SET used = 1999");
    granted(await api.authorize(as(4)));
    expect(allowanceUsed(api)).toBe(2000);
    refused(await api.authorize(as(5)), 120);
    granted(await api.authorize(as(1))); // seated devices keep working
    api.w.clock.set("2027-11-01T23:57:00.000Z"); // the last slot of license year 0 (activated 2026-11-02)
    for (const n of [6, 7]) granted(await api.authorize(as(n)));
    refused(await api.authorize(as(8)), 120);
    api.w.clock.set("2027-11-02T00:00:00.000Z");
    granted(await api.authorize(as(8))); // seats 6 and 7 held; a fresh year's allowance
    expect(scalar(api, "SELECT used FROM allowance_usage WHERE license_year = 1")).toBe(1);
  });
});

describe("concurrent-instance: like concurrent-device, counting instances", () => {
  const allowanceUsed = (api: ApiWorld) => scalar(api, "SELECT coalesce(sum(used), 0) FROM allowance_usage");

  test("instances fill the slot; beyond q each extra instance draws from the allowance", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-instance", quantity: 4, deploymentTypes: ["server"] }] });
    const server = (n: number, instances: number) => as(n, { deploymentType: "server", instances });
    const a = await api.authorize(server(1, 3));
    expect(a.body.license).toMatchObject({ chargeWay: "concurrent-instance", instances: 3 });
    granted(await api.authorize(server(2, 1)));
    expect(allowanceUsed(api)).toBe(0);
    granted(await api.authorize(server(3, 2)));
    expect(allowanceUsed(api)).toBe(2);
    granted(await api.authorize(server(1, 3))); // the instances it holds already
    expect(allowanceUsed(api)).toBe(2);
    granted(await api.authorize(server(1, 4))); // one more
    expect(allowanceUsed(api)).toBe(3);
    refused(await api.authorize(server(4, 5)), 130);
  });

  test("all requested instances or 120: never part of them", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-instance", quantity: 4, deploymentTypes: ["server"] }] });
    const server = (n: number, instances: number) => as(n, { deploymentType: "server", instances });
    granted(await api.authorize(server(1, 4)));
    granted(await api.authorize(server(2, 1)));
    api.w.db.$client.run("UPDATE allowance_usage SET used = 3998"); // 2 of 4000 left
    refused(await api.authorize(server(3, 3)), 120);
    expect(allowanceUsed(api)).toBe(3998);
    expect(scalar(api, "SELECT count(*) FROM concurrent_seats WHERE device_uuid = 'device-0003'")).toBe(0);
    granted(await api.authorize(server(3, 2)));
    expect(allowanceUsed(api)).toBe(4000);
  });

  test("validUntil is the end of the next slot, capped at expiry + grace", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-instance", quantity: 4, expiresAt: "2026-11-29T00:00:00.000Z", graceDays: 0 }] });
    expect((await api.authorize()).body.license.validUntil).toBe("2026-11-28T12:06:00.000Z");
    api.w.clock.set("2026-11-28T23:57:00.000Z");
    expect((await api.authorize()).body.license.validUntil).toBe("2026-11-29T00:00:00.000Z");
  });
});

describe("domain: q distinct domains active within 365 days", () => {
  test("known domains stay; a new one past q gets 120; the domain comes from Origin or validation.domain", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "domain", quantity: 2, expiresAt: "2028-06-30T00:00:00.000Z" }] });
    granted(await api.authorize(as(1), { origin: "https://a.example" }));
    granted(await api.authorize(as(2, { validation: { domain: "b.example" } })));
    refused(await api.authorize(as(3), { origin: "https://c.example" }), 120);
    refused(await api.authorize(as(3), { origin: "https://sub.a.example" }), 120); // another domain
    granted(await api.authorize(as(4), { origin: "https://A.example:8443" }));
    granted(await api.authorize(as(5, { validation: { domain: "b.example" } })));
    expect(scalar(api, "SELECT count(*) FROM item_domains")).toBe(2);
  });

  test("a domain lapses 365 days after its last contact", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "domain", quantity: 2, expiresAt: "2028-06-30T00:00:00.000Z" }] });
    await api.authorize({}, { origin: "https://a.example" });
    await api.authorize({}, { origin: "https://b.example" });
    api.w.clock.set(iso(START + 100 * DAY));
    await api.authorize({}, { origin: "https://a.example" });
    api.w.clock.set(iso(START + 365 * DAY - 1));
    refused(await api.authorize({}, { origin: "https://c.example" }), 120);
    api.w.clock.set(iso(START + 365 * DAY));
    granted(await api.authorize({}, { origin: "https://c.example" }));
    refused(await api.authorize({}, { origin: "https://b.example" }), 120); // a.example and c.example hold both
  });

  test("a request with no domain at all does not fit a domain item (104)", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "domain", quantity: 2 }] });
    const a = await api.authorize();
    expect({ status: a.status, code: a.body.error.code }).toEqual({ status: 403, code: 104 });
  });

  test("validUntil is now + 7 days, capped at expiry + grace", async () => {
    const api = await apiWorld({
      items: [
        { chargeWay: "domain", quantity: 2, product: "dbr" },
        { chargeWay: "domain", quantity: 2, product: "dlr", expiresAt: "2026-11-30T00:00:00.000Z", graceDays: 2 },
      ],
    });
    expect((await api.authorize({}, { origin: "https://a.example" })).body.license.validUntil).toBe(iso(START + 7 * DAY));
    expect((await api.authorize({ product: "dlr" }, { origin: "https://a.example" })).body.license.validUntil).toBe("2026-12-02T00:00:00.000Z");
  });
});

describe("a grant's license", () => {
  test("carries what PROTOCOL.md lists", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 10, modules: ["qr", "oned"] }] });
    const a = await api.authorize();
    expect(a.body).toEqual({
      ok: true,
      license: {
        handshakeCode: "100200-appA",
        itemId: "2000001",
        chargeWay: "scan",
        product: "dbr",
        modules: ["qr", "oned"],
        instances: 1,
        itemExpiresAt: "2027-06-30T00:00:00.000Z",
        validUntil: iso(START + 3 * DAY),
        reportIntervalSeconds: 180,
        handshakeUpdatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
      serverTime: "2026-11-28T12:00:00.000Z",
      nonce: a.body.nonce,
    });
  });

  test("validUntil is never past expiry + grace, whatever the charge way", async () => {
    const ends = { expiresAt: "2026-11-28T18:00:00.000Z", graceDays: 0 };
    const api = await apiWorld({
      items: [
        { chargeWay: "device", quantity: 5, windowDays: 365, product: "p1", ...ends },
        { chargeWay: "scan", product: "p2", ...ends },
        { chargeWay: "page", product: "p3", ...ends },
        { chargeWay: "domain", product: "p4", ...ends },
        { chargeWay: "concurrent-device", product: "p5", ...ends },
        { chargeWay: "concurrent-instance", product: "p6", ...ends },
      ],
    });
    api.w.clock.set("2026-11-28T17:57:00.000Z");
    for (const product of ["p1", "p2", "p3", "p4", "p5", "p6"]) {
      const a = await api.authorize({ product }, { origin: "https://a.example" });
      expect(a.body.license.validUntil, product).toBe("2026-11-28T18:00:00.000Z");
    }
  });
});
