import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { handshakeCodeItems } from "../../src/db/schema";
import { parseStatsQuery, statsQueryString, STATS_METRICS } from "../../src/domain/statistics";
import { addCode, apiWorld, CODE, DAY, deviceId, slotIso, START } from "../helpers/api";
import { Browser, setUpAndLogIn, textOf, type Page } from "../helpers/browser";

// The statistics pages (DESIGN.md, "Usage, statistics, alerts"; domain-notes §2.9): a code's page
// counts only usage made through it, an item's page every code's; chart, table, CSV and the
// License Items Used figure agree.

const CODE_B = "100200-appB";
const TODAY = "2026-11-28";

/** A scan item shared by two codes, with usage through both, some of it reported late. */
async function sharedItem() {
  const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100_000, modules: ["qr", "oned"] }] });
  addCode(api.w, CODE_B, { itemIds: ["2000001"] });
  expect((await api.authorize()).status).toBe(200);
  expect((await api.authorize({ handshakeCode: CODE_B, device: { uuid: deviceId(2) } })).status).toBe(200);
  const report = async (code: string, device: number, slot: string, counts: Record<string, number>) =>
    expect((await api.report({ handshakeCode: code, device: { uuid: deviceId(device) }, records: [{ slot, counts }] })).status).toBe(200);
  await report(CODE, 1, slotIso(api.w), { qr: 2, oned: 1 });
  await report(CODE, 1, new Date(START - 3 * DAY).toISOString(), { qr: 10 }); // late: three days back
  await report(CODE_B, 2, slotIso(api.w, -1), { oned: 5 });
  await report(CODE_B, 2, new Date(START - 20 * DAY).toISOString(), { qr: 100 }); // late: 20 days back
  const admin = new Browser(api.w.app);
  await setUpAndLogIn(admin, api.w.setupToken);
  return { ...api, admin };
}

function chartOf(page: Page): { days: number[]; lines: { label: string; values: number[] }[]; limit: number | null; dayLinks: string[] } {
  expect(page.status).toBe(200);
  return JSON.parse(page.doc.querySelector("#stats-chart")!.getAttribute("data-chart")!);
}
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const cells = (page: Page, selector: string) => [...page.doc.querySelectorAll(`${selector} tr`)].map((tr) => [...tr.children].map((td) => (td.textContent ?? "").replace(/\s+/g, " ").trim()));
const tableColumn = (page: Page, column = 1) => [...page.doc.querySelectorAll(".stats-table tbody tr")].map((tr) => Number(tr.children[column]!.textContent!.replaceAll(",", "")));
const csvRows = async (admin: Browser, path: string) => {
  const res = await admin.get(path);
  expect(res.status).toBe(200);
  expect(res.header("content-type")).toStartWith("text/csv");
  expect(res.header("content-disposition")).toStartWith("attachment;");
  return res.text.trimEnd().split("\r\n").map((l) => l.split(","));
};

describe("the statistics of an item", () => {
  test("chart, table, CSV, the all-time breakdown, the item's counter and the License Items Used figure agree, late reports and both codes included", async () => {
    const { admin, w } = await sharedItem();
    const page = await admin.get("/statistics/item/1?range=30d&metric=consumption");
    const chart = chartOf(page);
    expect(chart.days).toHaveLength(30);
    expect(chart.days.at(-1)).toBe(Date.parse(`${TODAY}T00:00:00.000Z`));
    expect(sum(chart.lines[0]!.values)).toBe(118);
    expect(chart.lines[0]!.values.at(-1)).toBe(8);
    expect(chart.lines[0]!.values.at(-4)).toBe(10);
    expect(chart.lines[0]!.values.at(-21)).toBe(100);
    expect(tableColumn(page)).toEqual(chart.lines[0]!.values);
    expect(textOf(page, ".stats-chart-head h2")).toContain("118");

    const csv = await csvRows(admin, "/statistics/item/1/csv?range=30d&metric=consumption");
    expect(csv[0]).toEqual(["day_start", "Units reported"]);
    expect(csv.slice(1).map((r) => r[0])).toEqual(chart.days.map((d) => new Date(d).toISOString()));
    expect(csv.slice(1).map((r) => Number(r[1]))).toEqual(chart.lines[0]!.values);

    const consumed = (w.db.$client.query("SELECT consumed FROM item_counters").get() as { consumed: number }).consumed;
    expect(consumed).toBe(118);
    expect(textOf(page, ".stats-breakdown h3")).toBe("All history: 118");
    expect(textOf(page, ".stats-card .used")).toContain("118 of 100,000 scans used");
    const items = await admin.get("/license-items");
    expect(textOf(items, "#item-1 .used")).toContain("118 of 100,000 scans");
    expect(items.doc.querySelector('#item-1 a[href="/statistics/item/1"]')?.textContent).toBe("View usage");
  });

  test("the cumulative view runs the totals up to the range's total, in chart, table and CSV", async () => {
    const { admin } = await sharedItem();
    const page = await admin.get("/statistics/item/1?range=7d&metric=consumption&mode=cumulative");
    expect(chartOf(page).lines[0]!.values).toEqual([0, 0, 0, 10, 10, 10, 18]);
    expect(tableColumn(page)).toEqual([0, 0, 0, 10, 10, 10, 18]);
    const csv = await csvRows(admin, "/statistics/item/1/csv?range=7d&metric=consumption&mode=cumulative");
    expect(csv.at(-1)![1]).toBe("18");
  });

  test("a day's details add up to the day's figure, by hour and by counter, and export as CSV", async () => {
    const { admin } = await sharedItem();
    const byHour = await admin.get(`/statistics/item/1?range=7d&metric=consumption&day=${TODAY}`);
    const rows = [...byHour.doc.querySelectorAll("#stats-details tbody tr")].map((tr) => [tr.children[0]!.textContent, Number(tr.children[1]!.textContent)]);
    expect(rows).toEqual([["11:00–12:00", 5], ["12:00–13:00", 3]]);
    expect(cells(byHour, "#stats-details tfoot")).toEqual([["Day total", "8"]]);
    const byCounter = await admin.get(`/statistics/item/1?range=7d&metric=consumption&day=${TODAY}&group=counter`, { "hx-request": "true" });
    expect(byCounter.doc.querySelector("#stats-details")).not.toBeNull();
    expect(byCounter.doc.querySelector("h1")).toBeNull(); // the fragment alone
    expect(cells(byCounter, "#stats-details tbody")).toEqual([["oned", "6"], ["qr", "2"]]);
    const csv = await csvRows(admin, `/statistics/item/1/csv?range=7d&metric=consumption&day=${TODAY}`);
    expect(csv).toEqual([["hour_start", "Units"], [`${TODAY}T11:00:00.000Z`, "5"], [`${TODAY}T12:00:00.000Z`, "3"]]);
  });
});

describe("the statistics of a handshake code", () => {
  test("count only usage made through that code; the codes together make the item's figure", async () => {
    const { admin } = await sharedItem();
    const a = chartOf(await admin.get(`/statistics/code/${CODE}?range=30d&metric=consumption`)).lines[0]!.values;
    const b = chartOf(await admin.get(`/statistics/code/${CODE_B}?range=30d&metric=consumption`)).lines[0]!.values;
    const item = chartOf(await admin.get("/statistics/item/1?range=30d&metric=consumption")).lines[0]!.values;
    expect([sum(a), sum(b)]).toEqual([13, 105]);
    expect(a.map((x, i) => x + b[i]!)).toEqual(item);
  });

  test("re-linking the item to another code rewrites no history", async () => {
    const { admin, w } = await sharedItem();
    const before = chartOf(await admin.get(`/statistics/code/${CODE}?range=all&metric=consumption`));
    w.db.delete(handshakeCodeItems).where(eq(handshakeCodeItems.codeId, 1)).run();
    const after = await admin.get(`/statistics/code/${CODE}?range=all&metric=consumption`);
    expect(chartOf(after)).toEqual(before);
    expect(after.doc.querySelectorAll(".stats-card")).toHaveLength(0);
    expect(sum(chartOf(await admin.get(`/statistics/code/${CODE_B}?range=all&metric=consumption`)).lines[0]!.values)).toBe(105);
  });

  test("authorizations: granted and refused per day, refusals by error code", async () => {
    const { admin, authorize } = await sharedItem();
    expect((await authorize({ product: "dwt" })).status).toBe(403); // 106
    const page = await admin.get(`/statistics/code/${CODE}?range=7d&metric=authorizations`);
    const chart = chartOf(page);
    expect(chart.lines.map((l) => [l.label, l.values.at(-1)])).toEqual([["Granted", 1], ["Refused", 1]]);
    expect(cells(page, ".stats-breakdown tbody")).toEqual([["106", "1", "100 %"]]);
  });

  test("is opened from its Statistics button on Configurations", async () => {
    const { admin } = await sharedItem();
    const list = await admin.get("/configurations");
    const href = list.doc.querySelector(`a[aria-label="Statistics of ${CODE}"]`)?.getAttribute("href");
    expect(href).toBe(`/statistics/code/${CODE}`);
    const page = await admin.get(href!);
    expect(textOf(page, "h1")).toBe(`Statistics of handshake code ${CODE}`);
    expect(textOf(page, ".lead")).toContain("UTC");
    expect(textOf(page, ".stats-card .chips")).toBe("dbr 10 browser javascript Per scan");
  });
});

describe("a day's devices (by device)", () => {
  const deviceRows = (page: Page) => cells(page, "#stats-details table.stats-devices tbody");
  const footer = (page: Page) => cells(page, "#stats-details table.stats-devices tfoot")[0];
  const pagerLink = (page: Page, label: string) => [...page.doc.querySelectorAll("#stats-details nav.pager a")].find((a) => a.textContent === label)?.getAttribute("href") ?? null;

  test("add up to the chart's devices and units and to the CSV, on an item's page (every code) and each code's page (its own), late reports on their own days", async () => {
    const { admin } = await sharedItem();
    const devicesChart = chartOf(await admin.get("/statistics/item/1?range=30d&metric=devices")).lines[0]!.values;
    const unitsChart = chartOf(await admin.get("/statistics/item/1?range=30d&metric=consumption")).lines[0]!.values;
    expect([devicesChart.at(-1), unitsChart.at(-1)]).toEqual([2, 8]);

    const today = await admin.get(`/statistics/item/1?range=30d&metric=consumption&day=${TODAY}&group=device`);
    expect(deviceRows(today)).toEqual([
      [deviceId(1), "", "1", "1", "3", "12:00:00", "12:00:00"],
      [deviceId(2), "", "1", "1", "5", "11:57:00", "12:00:00"],
    ]);
    expect(footer(today)).toEqual(["Day total", "2 devices", "", "", "8", "", ""]);
    expect(today.doc.querySelector("#stats-details nav.pager")).toBeNull();
    const csv = await csvRows(admin, `/statistics/item/1/csv?range=30d&metric=consumption&day=${TODAY}&group=device`);
    expect(csv).toEqual([
      ["device_uuid", "name", "authorizations", "reports", "units", "first_at", "last_at"],
      [deviceId(1), "", "1", "1", "3", `${TODAY}T12:00:00.000Z`, `${TODAY}T12:00:00.000Z`],
      [deviceId(2), "", "1", "1", "5", `${TODAY}T11:57:00.000Z`, `${TODAY}T12:00:00.000Z`],
    ]);
    expect(sum(csv.slice(1).map((r) => Number(r[4])))).toBe(unitsChart.at(-1)!);

    // Three days back only a late report touched the item: its device is that day's one active device.
    const late = await admin.get(`/statistics/item/1?range=30d&metric=devices&day=2026-11-25`);
    expect(deviceRows(late)).toEqual([[deviceId(1), "", "0", "1", "10", "12:00:00", "12:00:00"]]);
    expect([devicesChart.at(-4), unitsChart.at(-4)]).toEqual([1, 10]);

    // Each code lists only the devices that came through it, per item.
    const a = await admin.get(`/statistics/code/${CODE}?range=30d&metric=consumption&day=${TODAY}&group=device`);
    expect(deviceRows(a)).toEqual([[deviceId(1), "", "2000001", "1", "1", "3", "12:00:00", "12:00:00"]]);
    expect(footer(a)).toEqual(["Day total", "1 devices", "", "", "", "3", "", ""]);
    const b = await admin.get(`/statistics/code/${CODE_B}?range=30d&metric=consumption&day=2026-11-08&group=device`);
    expect(deviceRows(b)).toEqual([[deviceId(2), "", "2000001", "0", "1", "100", "12:00:00", "12:00:00"]]);
    expect((await csvRows(admin, `/statistics/code/${CODE_B}/csv?range=30d&metric=consumption&day=2026-11-08&group=device`))[1]).toEqual([deviceId(2), "", "2000001", "0", "1", "100", "2026-11-08T12:00:00.000Z", "2026-11-08T12:00:00.000Z"]);
  });

  test("show the name a device gave, and are the devices metric's first grouping", async () => {
    const { admin, authorize } = await sharedItem();
    expect((await authorize({ device: { uuid: deviceId(3), name: "Front desk" } })).status).toBe(200);
    const page = await admin.get(`/statistics/code/${CODE}?range=7d&metric=devices&day=${TODAY}`);
    expect(page.doc.querySelector('#stats-details .tabs a[aria-current="true"]')?.textContent).toBe("By device");
    expect(deviceRows(page).map((r) => r.slice(0, 3))).toEqual([[deviceId(1), "", "2000001"], [deviceId(3), "Front desk", "2000001"]]);
    expect(chartOf(page).lines[0]!.values.at(-1)).toBe(2);
  });

  test("are paged by key: Next and Previous walk every row once, in order, however the codes and items interleave", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 1000 }, { chargeWay: "scan", quantity: 1000 }] });
    const codeB = addCode(api.w, CODE_B, { itemIds: ["2000001"] });
    const rollups = api.w.deps.usageStore.rollups;
    const seen = (item: number, code: number, n: number) => rollups.deviceDay(item, code, deviceId(n), { firstAt: START, lastAt: START, authorizations: 1, reports: 0, units: 0 });
    for (let n = 0; n < 100; n++) seen(1, codeB, n); // another code's rows on the same item and day
    for (let n = 0; n < 70; n++) seen(1, 1, n);
    for (let n = 0; n < 40; n++) seen(2, 1, n);
    const admin = new Browser(api.w.app);
    await setUpAndLogIn(admin, api.w.setupToken);

    const walk = async (first: string, label: "Next" | "Previous") => {
      const pages: Page[] = [];
      for (let href: string | null = first; href; href = pagerLink(pages.at(-1)!, label)) {
        pages.push(await admin.get(href));
        expect(pages.at(-1)!.status).toBe(200);
      }
      return pages;
    };
    const forward = await walk(`/statistics/code/${CODE}?range=7d&metric=devices&day=${TODAY}&group=device`, "Next");
    expect(forward.map((p) => deviceRows(p).length)).toEqual([50, 50, 10]);
    const expected = [...Array.from({ length: 70 }, (_, n) => ["2000001", deviceId(n)]), ...Array.from({ length: 40 }, (_, n) => ["2000002", deviceId(n)])];
    expect(forward.flatMap(deviceRows).map((r) => [r[2], r[0]])).toEqual(expected);

    const last = forward.at(-1)!;
    expect(footer(last)![1]).toBe("110 devices"); // the chart's figure for the day
    expect(pagerLink(forward[0]!, "Previous")).toBeNull();
    expect(pagerLink(last, "First")).toBe(`/statistics/code/${CODE}?range=7d&metric=devices&day=${TODAY}&group=device`);
    const backward = await walk(pagerLink(last, "Previous")!, "Previous");
    expect(backward.map((p) => deviceRows(p).length)).toEqual([50, 50]);
    expect(backward.reverse().flatMap(deviceRows)).toEqual(forward.slice(0, 2).flatMap(deviceRows));
    expect(pagerLink(backward[0]!, "Previous")).toBeNull(); // back at the start
    expect(pagerLink(backward[1]!, "Next")).toBe(pagerLink(forward[1]!, "Next"));

    const item = await walk(`/statistics/item/1?range=7d&metric=devices&day=${TODAY}&group=device`, "Next");
    expect(item.map((p) => deviceRows(p).length)).toEqual([50, 50]);
    expect(item.flatMap(deviceRows).map((r) => [r[0], r[2]])).toEqual(Array.from({ length: 100 }, (_, n) => [deviceId(n), n < 70 ? "2" : "1"])); // both codes' grants summed
    const csv = await csvRows(admin, `/statistics/code/${CODE}/csv?range=7d&metric=devices&day=${TODAY}&group=device&after=1.${deviceId(3)}`);
    expect(csv.slice(1).map((r) => [r[2], r[0]])).toEqual(expected); // the whole day, whatever page was open
  });

  test("past the per-device retention (--usage-slot-days) say so plainly instead of an empty table", async () => {
    for (const [flags, kept] of [[{}, false], [{ usageSlotDays: "40" }, true]] as const) {
      const api = await apiWorld({ items: [{ chargeWay: "scan", quantity: 100 }], flags });
      expect((await api.authorize()).status).toBe(200);
      api.w.clock.advance(36 * DAY);
      const admin = new Browser(api.w.app);
      await setUpAndLogIn(admin, api.w.setupToken);
      const page = await admin.get(`/statistics/item/1?range=90d&metric=devices&day=${TODAY}&group=device`);
      expect(page.doc.querySelector("#stats-details table.stats-devices") !== null).toBe(kept);
      if (kept) expect(deviceRows(page)).toHaveLength(1);
      else {
        expect(textOf(page, "#stats-details .empty")).toBe(`Per-device details are kept 35 days (--usage-slot-days); ${TODAY} is older. The day's totals stay: 1 active devices, 0 units reported.`);
        expect(page.doc.querySelector("#stats-details a[download]")).toBeNull();
      }
    }
  });

  test("a page key that is not one is refused", async () => {
    const { admin } = await sharedItem();
    const res = await admin.get(`/statistics/item/1?metric=devices&day=${TODAY}&group=device&after=not-a-key`);
    expect(res.status).toBe(422);
    expect(res.text).toContain("after must be a device key");
  });
});

describe("the view is in the URL", () => {
  test("every range and metric link names its view, and reading it back gives the same query", async () => {
    const { admin } = await sharedItem();
    const page = await admin.get(`/statistics/code/${CODE}?range=90d&metric=devices`);
    const links = [...page.doc.querySelectorAll(".stats-controls a")].map((a) => a.getAttribute("href")!);
    expect(links).toContain(`/statistics/code/${CODE}?range=7d&metric=devices`);
    expect(links).toContain(`/statistics/code/${CODE}?range=90d&metric=authorizations`);
    const now = START;
    for (const qs of ["range=custom&from=2026-01-01&to=2026-02-01&metric=consumption&mode=cumulative", "range=all&metric=devices&day=2026-11-20&group=item&page=2", "range=7d&metric=devices&day=2026-11-20&group=device&after=3.device-0001", "range=7d&metric=authorizations"]) {
      const q = parseStatsQuery(Object.fromEntries(new URLSearchParams(qs)), now, STATS_METRICS);
      expect(statsQueryString(q)).toBe(qs);
    }
  });

  test("a bad value is refused with what to write, and changes nothing", async () => {
    const { admin } = await sharedItem();
    for (const [qs, message] of [
      ["range=week", "range must be one of"],
      ["range=custom&from=2026-02-30&to=2026-03-01", "from must be a date like"],
      ["range=custom&from=2026-03-01&to=2026-02-01", "from must not be after to"],
      ["metric=concurrency", "metric must be one of consumption, devices, authorizations"],
    ] as const) {
      const res = await admin.get(`/statistics/code/${CODE}?${qs}`);
      expect(res.status).toBe(422);
      expect(res.text).toContain(message);
    }
    expect((await admin.get("/statistics/code/100200-nobody")).status).toBe(404);
    expect((await admin.get("/statistics/item/99")).status).toBe(404);
  });

  test("is for the admin only", async () => {
    const { w } = await sharedItem();
    const res = await new Browser(w.app).get(`/statistics/code/${CODE}`);
    expect([302, 303, 401]).toContain(res.status);
    expect((await new Browser(w.app).get("/statistics/item/1/csv")).text).not.toContain("day_start");
  });
});

describe("metrics that fit the item", () => {
  test("concurrency: the day's peak seats against the quantity, and the allowance drawn; devices: active devices per day", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "concurrent-device", quantity: 1 }] });
    for (const n of [1, 2]) expect((await api.authorize({ device: { uuid: deviceId(n) } })).status).toBe(200); // the second from the allowance
    const admin = new Browser(api.w.app);
    await setUpAndLogIn(admin, api.w.setupToken);
    const page = await admin.get("/statistics/item/1?range=7d&metric=concurrency");
    const chart = chartOf(page);
    expect(chart.limit).toBe(1);
    expect(chart.lines.map((l) => [l.label, l.values.at(-1)])).toEqual([["Peak seats", 2], ["Allowance drawn", 1]]);
    expect([...page.doc.querySelectorAll(".stats-controls a")].map((a) => a.textContent)).toEqual(["Last 7 days", "Last 30 days", "Last 90 days", "All history", "Consumption", "Devices", "Concurrency"]);
    expect(chartOf(await admin.get("/statistics/item/1?range=7d&metric=devices")).lines[0]!.values.at(-1)).toBe(2);
    const csv = await csvRows(admin, "/statistics/item/1/csv?range=7d&metric=concurrency");
    expect(csv[0]).toEqual(["day_start", "Peak seats", "Allowance drawn", "Quantity"]);
    expect(csv.at(-1)!.slice(1)).toEqual(["2", "1", "1"]);
  });
});

describe("long ranges", () => {
  test("are drawn per month from the monthly rollups, keeping the total; a month links to its days", async () => {
    const { admin } = await sharedItem();
    const page = await admin.get("/statistics/item/1?range=custom&from=2024-03-15&to=2026-11-28&metric=consumption");
    const chart = chartOf(page);
    expect(chart.days).toHaveLength(33); // 2024-03 … 2026-11
    expect(chart.days[0]).toBe(Date.parse("2024-03-01T00:00:00.000Z"));
    expect(chart.lines[0]!.values.slice(-2)).toEqual([0, 118]); // all of it in November
    expect(sum(chart.lines[0]!.values)).toBe(118);
    expect(tableColumn(page)).toEqual(chart.lines[0]!.values);
    expect(chart.dayLinks.at(-2)).toBe("/statistics/item/1?range=custom&from=2026-10-01&to=2026-10-31&metric=consumption");
    expect(chart.dayLinks.at(-1)).toBe("/statistics/item/1?range=custom&from=2026-11-01&to=2026-11-28&metric=consumption");
    const csv = await csvRows(admin, "/statistics/item/1/csv?range=custom&from=2024-03-15&to=2026-11-28&metric=consumption");
    expect(csv[0]).toEqual(["month_start", "Units reported"]);
    expect(csv.at(-1)).toEqual(["2026-11-01T00:00:00.000Z", "118"]);
  });
});
