import { describe, expect, test } from "bun:test";
import { VERSION } from "../../src/lib/version";
import { Browser, PASSWORD, setUpAndLogIn, textOf } from "../helpers/browser";
import { createWorld } from "../helpers/world";
import { addCode, apiWorld, DAY, deviceId, slotIso, type ItemSpec } from "../helpers/api";
import { SLOT_MS } from "../../src/domain/slots";

async function loggedIn() {
  const w = createWorld();
  const admin = new Browser(w.app, "192.0.2.33");
  await setUpAndLogIn(admin, w.setupToken);
  return { ...w, admin };
}

describe("home", () => {
  test("answers at / and /index with the server's status", async () => {
    const w = await loggedIn();
    for (const path of ["/", "/index"]) {
      const page = await w.admin.get(path);
      expect(page.status).toBe(200);
      expect(textOf(page, "h1")).toBe("Home");
      const facts = textOf(page, "#server-status")!;
      expect(facts).toContain(`Version${VERSION}`);
      expect(facts).toContain(w.dataDir);
      expect(facts).toContain("http://127.0.0.1:48080/");
      expect(facts).toContain("Portal sessions1");
    }
  });

  test("shows uptime from the injected clock", async () => {
    const w = await loggedIn();
    w.clock.advance(3 * 3_600_000 + 5 * 60_000); // the session has gone idle meanwhile
    await w.admin.post("/login", { password: PASSWORD });
    expect(textOf(await w.admin.get("/"), "#server-status")).toContain("Up for3 h 5 min");
  });

  test("lists recent activity, newest first, with who and from where", async () => {
    const w = await loggedIn();
    const rows = [...(await w.admin.get("/")).doc.querySelectorAll("#recent-activity tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim()),
    );
    expect(rows.map((r) => r[1])).toEqual(["login.succeeded", "setup.completed"]);
    expect(rows[0]!.slice(2)).toEqual(["admin", "192.0.2.33"]);
  });

  test("Home is marked as the current entry at /index too", async () => {
    const w = await loggedIn();
    const page = await w.admin.get("/index");
    expect(page.doc.querySelector('.menu a[aria-current="page"]')?.textContent).toBe("Home");
  });

  test("the shell shows the menu with the current entry marked, logout and the version", async () => {
    const w = await loggedIn();
    const page = await w.admin.get("/change-password");
    const menu = [...page.doc.querySelectorAll("nav.sidebar .menu a")].map((a) => [a.textContent, a.getAttribute("aria-current")]);
    expect(menu).toEqual([
      ["Home", null],
      ["Generate UUID", null],
      ["Import License File", null],
      ["License Items", null],
      ["Configurations", null],
      ["Email Config", null],
      ["Alert history", null],
      ["Backups", null],
      ["Audit log", null],
      ["Change Password", "page"],
    ]);
    expect(page.doc.querySelector('nav.sidebar form[action="/logout"] button')?.textContent).toBe("Log out");
    expect(textOf(page, "nav.sidebar .version")).toBe(`LTS ${VERSION}`);
  });
});

describe("healthz", () => {
  test("answers without login, says not-ready until a machine UUID exists", async () => {
    const w = createWorld();
    await w.deps.machine.settled();
    const res = await w.app.request("/healthz");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not-ready", reason: expect.stringContaining("no machine UUID yet: generate one"), version: VERSION, uuidMatches: false, clock: "ok", latestSeen: expect.any(String) });
  });

  test("says starting up until the hardware labels are read", async () => {
    const w = createWorld({ labels: () => new Promise(() => {}) });
    const res = await w.app.request("/healthz");
    expect(res.status).toBe(503);
    expect((await res.json()).reason).toMatch(/^starting up/);
  });

  test("reports storage that cannot be read", async () => {
    const w = createWorld();
    await w.deps.machine.settled();
    w.db.$client.close();
    const res = await w.app.request("/healthz");
    expect(res.status).toBe(503);
    expect((await res.json()).reason).toMatch(/storage unavailable/);
  });
});

describe("static files", () => {
  test("serves the pinned htmx, the CSS and the icon with their types and a year of caching", async () => {
    const w = createWorld();
    const page = await new Browser(w.app).get("/setup");
    for (const selector of ['script[src*="htmx.min.js"]', 'link[rel="stylesheet"]', 'link[rel="icon"]']) {
      const el = page.doc.querySelector(selector)!;
      const url = el.getAttribute("src") ?? el.getAttribute("href")!;
      const res = await w.app.request(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("content-type")).toMatch(/javascript|css|svg/);
    }
  });

  test("static/ holds exactly the htmx version package.json pins", async () => {
    const pinned = (await import("../../package.json")).dependencies["htmx.org"];
    const vendored = await Bun.file(`static/htmx-${pinned}.min.js`).text();
    expect(vendored).toBe(await Bun.file("node_modules/htmx.org/dist/htmx.min.js").text());
  });

  test("answers 304 to a matching ETag and 404 to an unknown file", async () => {
    const w = createWorld();
    const first = await w.app.request("/static/app.css");
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const again = await w.app.request("/static/app.css", { headers: { "if-none-match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await w.app.request("/static/nope.js")).status).toBe(404);
    expect((await w.app.request("/static/..%2Fpackage.json")).status).toBe(404);
  });
});

describe("home's usage dashboard", () => {
  async function withUsage(items: ItemSpec[]) {
    const api = await apiWorld({ items });
    const admin = new Browser(api.w.app);
    await setUpAndLogIn(admin, api.w.setupToken);
    return { ...api, admin };
  }
  /** Consumes `n` scans of one item through the API, by a code of its own that holds only that item. */
  const scans = async (api: Awaited<ReturnType<typeof withUsage>>, itemId: string, n: number) => {
    const handshakeCode = `100200-only${itemId}`;
    addCode(api.w, handshakeCode, { itemIds: [itemId] });
    expect((await api.authorize({ handshakeCode, chargeWay: "scan" })).status).toBe(200);
    expect((await api.report({ handshakeCode, itemId, records: [{ slot: slotIso(api.w), counts: { scans: n } }] })).status).toBe(200);
  };
  const usedCells = (page: { doc: Document }, table: string) =>
    Object.fromEntries([...page.doc.querySelectorAll(`${table} tbody tr`)].filter((tr) => tr.querySelector(".used")).map((tr) => [tr.querySelector("code")!.textContent, tr.querySelector(".used")!.textContent]));

  test("shows each serving item's share of its quantity as a labelled meter, and the devices active now; the figures are License Items' Used", async () => {
    const api = await withUsage([
      { chargeWay: "scan", quantity: 1000 },
      { chargeWay: "device", quantity: 10 },
      { chargeWay: "concurrent-device", quantity: 4 },
    ]);
    await scans(api, "2000001", 250);
    for (const n of [1, 2, 3]) expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(n) } })).status).toBe(200);
    for (const n of [4, 5]) expect((await api.authorize({ chargeWay: "concurrent-device", device: { uuid: deviceId(n) } })).status).toBe(200);
    const home = await api.admin.get("/");
    const bars = usedCells(home, "#usage-bars");
    expect(bars).toEqual({ "2000001": "25 %250 of 1,000 scans (25 %)", "2000002": "30 %3 of 10 devices (30 %)", "2000003": "50 %2 of 4 devices (50 %)" });
    expect([...home.doc.querySelectorAll("#usage-bars meter")].map((m) => m.getAttribute("value"))).toEqual(["25", "30", "50"]);
    expect(home.doc.querySelector("#usage-bars meter[style]")).toBeNull();
    expect(textOf(home, "#usage-figures")).toContain("Devices active now5");
    const items = await api.admin.get("/license-items");
    expect(usedCells(items, "#items-table")).toEqual(bars);
    expect([...home.doc.querySelectorAll("#nearest-limit li")].map((li) => li.textContent!.replace(/\s+/g, " ").trim())).toEqual([
      "2000003 concurrent-device item: 50 % used",
      "2000002 device item: 30 % used",
      "2000001 scan item: 25 % used",
    ]);
  });

  test("counts granted and refused authorizations of the last 24 hours (480 slots), every code and unknown codes included", async () => {
    const api = await withUsage([{ chargeWay: "device", quantity: 2 }]);
    const figures = async () => {
      await api.admin.post("/login", { password: PASSWORD }); // the session may have gone idle meanwhile
      const text = textOf(await api.admin.get("/"), "#usage-figures")!;
      return [/granted \(24 h\)([\d,]+)/.exec(text)![1], /refused \(24 h\)([\d,]+)/.exec(text)![1]];
    };
    for (const n of [1, 2]) expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(n) } })).status).toBe(200);
    expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(3) } })).status).toBe(403); // both seats taken
    expect((await api.authorize({ handshakeCode: "999999-nope", chargeWay: "device" })).status).toBe(404); // unknown code
    expect(await figures()).toEqual(["2", "2"]);
    api.w.clock.advance(12 * 3_600_000);
    expect((await api.authorize({ chargeWay: "device", device: { uuid: deviceId(1) } })).status).toBe(200);
    expect(await figures()).toEqual(["3", "2"]);
    api.w.clock.advance(12 * 3_600_000 - 1); // the first slot is the oldest of the last 480
    expect(await figures()).toEqual(["3", "2"]);
    api.w.clock.advance(1); // 24 hours on: that slot has dropped out
    expect(await figures()).toEqual(["1", "0"]);
    api.w.clock.advance(12 * 3_600_000);
    expect(await figures()).toEqual(["0", "0"]);
    expect(SLOT_MS * 480).toBe(DAY); // the premise: a day is 480 slots
  });

  test("lists at most 5 items nearest their limit (highest share first) and at most 5 nearest their expiry (soonest first, with days left)", async () => {
    const expiries = ["2027-03-01", "2026-12-05", "2027-01-10", "2026-12-20", "2027-06-30", "2027-02-01", "2026-12-01"];
    const used = [10, 70, 30, 90, 50, 20, 60];
    const api = await withUsage(expiries.map((day) => ({ chargeWay: "scan", quantity: 100, expiresAt: `${day}T00:00:00.000Z` })));
    for (const [i, n] of used.entries()) await scans(api, String(2000001 + i), n);
    const home = await api.admin.get("/");
    const lines = (selector: string) => [...home.doc.querySelectorAll(`${selector} li`)].map((li) => li.textContent!.replace(/\s+/g, " ").trim());
    expect(lines("#nearest-limit")).toEqual(["2000004 scan item: 90 % used", "2000002 scan item: 70 % used", "2000007 scan item: 60 % used", "2000005 scan item: 50 % used", "2000003 scan item: 30 % used"]);
    expect(lines("#nearest-expiry")).toEqual([
      "2000007 scan item: 2026-12-01, 3 days left",
      "2000002 scan item: 2026-12-05, 7 days left",
      "2000004 scan item: 2026-12-20, 22 days left",
      "2000003 scan item: 2027-01-10, 43 days left",
      "2000006 scan item: 2027-02-01, 65 days left",
    ]);
    expect(home.doc.querySelectorAll("#usage-bars tbody tr")).toHaveLength(7);

    api.w.clock.advance(4 * DAY); // 2000007 expired on 12-01: in its 7 days of grace it still serves
    await api.admin.post("/login", { password: PASSWORD });
    const later = await api.admin.get("/");
    expect(textOf(later, "#nearest-expiry li")).toBe("2000007 scan item: 2026-12-01, expired, in grace");
  });

  test("a server without licenses shows no usage block", async () => {
    const w = await loggedIn();
    expect((await w.admin.get("/")).doc.querySelector("#usage-dashboard")).toBeNull();
  });
});
