import { describe, expect, test } from "bun:test";
import { apiWorld, DAY, deviceId, slotIso, type Answer } from "../helpers/api";
import { Browser, setUpAndLogIn, textOf } from "../helpers/browser";
import { activatedLicense, signed, withMachineUuid } from "../helpers/licenses";
import { createWorld } from "../helpers/world";

async function withItems() {
  const w = createWorld();
  const admin = new Browser(w.app);
  await setUpAndLogIn(admin, w.setupToken);
  const uuid = await withMachineUuid(w);
  const base = activatedLicense(uuid);
  const [scan, device, concurrent] = base.items;
  const items = [
    { ...scan!, expiresAt: "2026-12-10T00:00:00.000Z" }, // expiring soon
    { ...device!, startsAt: "2027-01-01T00:00:00.000Z", expiresAt: "2028-01-01T00:00:00.000Z" }, // not yet valid
    concurrent!, // active
    { ...scan!, itemId: "2000004", description: "old scans", startsAt: "2025-01-01T00:00:00.000Z", expiresAt: "2026-11-25T00:00:00.000Z" }, // in grace
    { ...scan!, itemId: "2000005", description: "expired scans", startsAt: "2025-01-01T00:00:00.000Z", expiresAt: "2026-10-01T00:00:00.000Z" }, // expired
  ];
  await admin.post("/import-license-file", { fileText: signed({ ...base, items }) });
  return { ...w, admin };
}

const rows = (page: Awaited<ReturnType<Browser["get"]>>) =>
  [...page.doc.querySelectorAll("tr.item-row")].map((tr) => [tr.querySelector("code")!.textContent, tr.querySelector(".badge")!.textContent]);

describe("license items", () => {
  test("lists every item with its status, sorted by expiry; expired and revoked hidden by default", async () => {
    const w = await withItems();
    const page = await w.admin.get("/license-items");
    expect(rows(page)).toEqual([
      ["2000004", "In grace"],
      ["2000001", "Expiring soon"],
      ["2000003", "Active"],
      ["2000002", "Not yet valid"],
    ]);
    expect(textOf(page, "#items-table .hint")).toBe("1 expired or revoked item(s) hidden.");
  });

  test("shows the columns an admin needs, used of total included", async () => {
    const w = await withItems();
    const page = await w.admin.get("/license-items");
    const headers = [...page.doc.querySelectorAll("#items-table thead th")].map((th) => th.textContent!.replace(/[▲▼]/g, "").trim());
    expect(headers).toEqual(["Details", "Item", "Description", "Product", "Deployment", "Charge way", "Used", "Start", "Expiry", "Status", "Issuer"]);
    const row = page.doc.querySelector("#item-3")!;
    expect(row.textContent).toContain("0 of 5 devices (0 %)");
    expect(row.textContent).toContain("Concurrent devices");
    expect(row.textContent).toContain("dbr 10");
    expect(row.textContent).toContain("demo issuer");
  });

  test("Used shows what the API has charged each item now, in its charge way's unit", async () => {
    // One item per charge way, told apart by product (ids 2000001… in this order).
    const api = await apiWorld({
      items: [
        { chargeWay: "device", quantity: 10, product: "p1" },
        { chargeWay: "concurrent-device", quantity: 5, product: "p2" },
        { chargeWay: "concurrent-instance", quantity: 8, product: "p3", deploymentTypes: ["server"] },
        { chargeWay: "scan", quantity: 1000, product: "p4" },
        { chargeWay: "page", quantity: 100, product: "p5" },
        { chargeWay: "domain", quantity: 3, product: "p6" },
      ],
    });
    const ok = (a: Answer) => expect({ status: a.status, error: a.body.error }).toEqual({ status: 200, error: undefined });
    const as = (n: number, product: string, extra: Record<string, unknown> = {}) => ({ device: { uuid: deviceId(n) }, product, ...extra });
    for (const n of [1, 2, 3]) ok(await api.authorize(as(n, "p1")));
    for (const n of [1, 2]) ok(await api.authorize(as(n, "p2")));
    ok(await api.authorize(as(1, "p3", { deploymentType: "server", instances: 3 })));
    ok(await api.authorize(as(2, "p3", { deploymentType: "server", instances: 2 })));
    ok(await api.authorize(as(1, "p4")));
    ok(await api.report({ itemId: "2000004", records: [{ slot: slotIso(api.w), counts: { scans: 7 } }] }));
    ok(await api.authorize(as(1, "p5")));
    ok(await api.report({ itemId: "2000005", records: [{ slot: slotIso(api.w), counts: { pages: 40 } }] }));
    ok(await api.authorize(as(1, "p6", { validation: { domain: "a.example" } })));
    ok(await api.authorize(as(2, "p6", { validation: { domain: "b.example" } })));

    const admin = new Browser(api.w.app);
    await setUpAndLogIn(admin, api.w.setupToken);
    const used = async () => {
      const page = await admin.get("/license-items?sort=itemId");
      return [...page.doc.querySelectorAll("tr.item-row")].map((tr) => [tr.querySelector("code")!.textContent, tr.querySelector(".used > span")!.textContent]);
    };
    expect(await used()).toEqual([
      ["2000001", "3 of 10 devices (30 %)"],
      ["2000002", "2 of 5 devices (40 %)"],
      ["2000003", "5 of 8 instances (62 %)"],
      ["2000004", "7 of 1,000 scans (0 %)"],
      ["2000005", "40 of 100 pages (40 %)"],
      ["2000006", "2 of 3 domains (66 %)"],
    ]);

    // Two slots later the concurrent seats are free again; the other figures stay.
    api.w.clock.advance(6 * 60_000);
    expect((await used()).map((r) => r[1])).toEqual(["3 of 10 devices (30 %)", "0 of 5 devices (0 %)", "0 of 8 instances (0 %)", "7 of 1,000 scans (0 %)", "40 of 100 pages (40 %)", "2 of 3 domains (66 %)"]);
  });

  test("Used leaves out devices whose window lapsed, even before any request has expired them from the counter", async () => {
    const api = await apiWorld({ items: [{ chargeWay: "device", quantity: 10, windowDays: 1 }] });
    for (const n of [1, 2]) expect((await api.authorize({ device: { uuid: deviceId(n) } })).status).toBe(200);
    api.w.clock.advance(DAY / 2);
    expect((await api.authorize({ device: { uuid: deviceId(3) } })).status).toBe(200);
    api.w.clock.advance(DAY / 2 + 1); // devices 1 and 2 lapsed; nothing has run since
    const admin = new Browser(api.w.app);
    await setUpAndLogIn(admin, api.w.setupToken);
    const page = await admin.get("/license-items");
    expect(page.doc.querySelector("tr.item-row .used > span")!.textContent).toBe("1 of 10 devices (10 %)");
  });

  test("the expired filter shows expired items; htmx gets the table alone", async () => {
    const w = await withItems();
    const page = await w.admin.get("/license-items?expired=1", { "hx-request": "true" });
    expect(page.doc.querySelector("h1")).toBeNull();
    expect(page.doc.querySelector("#items-table")).not.toBeNull();
    expect(rows(page).map((r) => r[0])).toContain("2000005");
  });

  test("sorts by a column, both ways, with links that keep the filters", async () => {
    const w = await withItems();
    const asc = await w.admin.get("/license-items?sort=itemId&dir=asc&expired=1");
    expect(rows(asc).map((r) => r[0])).toEqual(["2000001", "2000002", "2000003", "2000004", "2000005"]);
    expect(asc.doc.querySelector('th[aria-sort="ascending"] a')!.getAttribute("href")).toBe("/license-items?sort=itemId&dir=desc&expired=1");
    const desc = await w.admin.get("/license-items?sort=itemId&dir=desc&expired=1");
    expect(rows(desc).map((r) => r[0])).toEqual(["2000005", "2000004", "2000003", "2000002", "2000001"]);
  });

  test("an unknown sort or junk in the query falls back to the default view", async () => {
    const w = await withItems();
    const page = await w.admin.get("/license-items?sort=password&dir=sideways&imported=<script>&kind=evil");
    expect(page.status).toBe(200);
    expect(rows(page)[0]![0]).toBe("2000004");
    expect(page.doc.querySelector(".notice-ok")).toBeNull();
  });

  test("a row expands to its details and collapses again", async () => {
    const w = await withItems();
    const list = await w.admin.get("/license-items");
    const button = list.doc.querySelector("#item-3 button")!;
    expect(button.getAttribute("hx-target")).toBe("#item-details-3");
    const details = await w.admin.get(button.getAttribute("hx-get")!, { "hx-request": "true" });
    expect(details.doc.querySelector("#item-details-3")).not.toBeNull();
    expect(details.text).toContain("Example Corp");
    expect(details.text).toContain("100200-1000001");
    const collapsed = await w.admin.get("/license-items/3?collapse=1", { "hx-request": "true" });
    expect(collapsed.doc.querySelector("#item-details-3")?.hasAttribute("hidden")).toBe(true);
    expect((await w.admin.get("/license-items/999", { "hx-request": "true" })).status).toBe(404);
  });

  test("says what to do when there is nothing yet", async () => {
    const w = createWorld();
    const admin = new Browser(w.app);
    await setUpAndLogIn(admin, w.setupToken);
    expect(textOf(await admin.get("/license-items"), ".empty")).toMatch(/Import a license file/);
  });

  test("Home summarizes the items by status, the nearest expiry and what needs attention", async () => {
    const w = await withItems();
    const home = await w.admin.get("/");
    const cards = [...home.doc.querySelectorAll("#license-summary .summary a")].map((a) => a.textContent!.replace(/\s+/g, " ").trim());
    expect(cards).toEqual(["1 Active", "1 Expiring soon", "1 In grace", "1 Expired", "1 Not yet valid"]);
    expect(textOf(home, "#license-summary p")).toContain("Nearest expiry: item 2000004");
    expect(home.text).toContain("2 item(s) expire within 30 days or are in their grace period");
    expect(home.text).toContain("signed by the demo issuer");
  });

  test("anonymous visitors are sent to log in", async () => {
    const w = await withItems();
    expect((await new Browser(w.app).get("/license-items")).header("location")).toBe("/login?next=%2Flicense-items");
  });
});
