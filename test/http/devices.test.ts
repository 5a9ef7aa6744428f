import { describe, expect, test } from "bun:test";
import { auditEvents } from "../../src/db/schema";
import { Browser, setUpAndLogIn, textOf } from "../helpers/browser";
import { activatedLicense, signed, withMachineUuid } from "../helpers/licenses";
import { createWorld } from "../helpers/world";

const DAY = 86_400_000;

async function withDevices() {
  const w = createWorld();
  const admin = new Browser(w.app);
  await setUpAndLogIn(admin, w.setupToken);
  const uuid = await withMachineUuid(w);
  await admin.post("/import-license-file", { fileText: signed(activatedLicense(uuid)), newSuffix: "appA" });
  const authorize = async (device: string, chargeWay: string) => {
    const res = await w.app.request("/api/v1/authorize", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ handshakeCode: "100200-appA", device: { uuid: device, name: `${device} name` }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay, nonce: "nonce-".padEnd(20, "x") }),
    });
    expect(res.status).toBe(200);
  };
  await authorize("phone-000001", "device");
  await authorize("kiosk-000001", "concurrent-device");
  return { ...w, admin, authorize };
}

// activatedLicense: 2000001 scan (row 1), 2000002 device (row 2), 2000003 concurrent-device (row 3)
describe("devices", () => {
  test("lists an item's devices with name, contacts and active-until", async () => {
    const w = await withDevices();
    const page = await w.admin.get("/devices?item=2");
    expect(textOf(page, "h1")).toBe("Devices of item 2000002");
    const rows = [...page.doc.querySelectorAll("#devices-table tbody tr")];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain("phone-000001");
    expect(rows[0]!.textContent).toContain("phone-000001 name");
    expect(rows[0]!.textContent).toContain("2027-11-28"); // last contact + 365 days
  });

  test("lists the devices a handshake code granted, across its items", async () => {
    const w = await withDevices();
    const page = await w.admin.get("/devices?code=100200-appA");
    expect(textOf(page, "h1")).toBe("Devices of handshake code 100200-appA");
    expect([...page.doc.querySelectorAll("#devices-table tbody tr td:first-child code")].map((c) => c.textContent).sort()).toEqual(["kiosk-000001", "phone-000001"]);
  });

  test("a concurrent seat can be released at any time, audited", async () => {
    const w = await withDevices();
    const page = await w.admin.get("/devices?item=3");
    const action = page.doc.querySelector("#devices-table form")!.getAttribute("hx-post")!;
    const released = await w.admin.post(action, {});
    expect(released.status).toBe(200);
    expect(released.text).toContain("released");
    const seats = w.db.$client.query("SELECT count(*) AS n FROM concurrent_seats WHERE item_row_id = 3").get() as { n: number };
    expect(seats.n).toBe(0);
    const audit = w.db.select().from(auditEvents).all().find((e) => e.action === "device.released")!;
    expect(JSON.parse(audit.detail!)).toMatchObject({ itemId: "2000003", deviceUuid: "kiosk-000001" });
  });

  test("a device seat can be released only after 7 silent days", async () => {
    const w = await withDevices();
    const before = await w.admin.get("/devices?item=2");
    expect(before.doc.querySelector("#devices-table form")).toBeNull();
    expect(textOf(before, "#devices-table tbody")).toContain("after 7 silent days (7 more)");
    const refused = await w.admin.post("/devices/release?item=2&itemRowId=2&device=phone-000001", {});
    expect(refused.status).toBe(409);
    w.clock.advance(7 * DAY);
    await w.admin.post("/login", { password: "correct horse battery staple" }); // the session went idle meanwhile
    const after = await w.admin.get("/devices?item=2");
    expect(after.doc.querySelector("#devices-table form")).not.toBeNull();
    await w.admin.post("/devices/release?item=2&itemRowId=2&device=phone-000001", {});
    const active = w.db.$client.query("SELECT count(*) AS n FROM item_devices WHERE item_row_id = 2 AND active_until > ?").get(w.clock.now().getTime()) as { n: number };
    expect(active.n).toBe(0);
  });

  test("a device seat silent for 7 days less a millisecond is refused (409); at exactly 7 days it is released", async () => {
    const w = await withDevices();
    w.clock.advance(7 * DAY - 1);
    await w.admin.post("/login", { password: "correct horse battery staple" });
    expect((await w.admin.post("/devices/release?item=2&itemRowId=2&device=phone-000001", {})).status).toBe(409);
    w.clock.advance(1);
    expect((await w.admin.post("/devices/release?item=2&itemRowId=2&device=phone-000001", {})).status).toBe(200);
    expect(w.db.select().from(auditEvents).all().filter((e) => e.action === "device.released")).toHaveLength(1);
  });

  test("an unknown item or code is a 404 that says where to look; anonymous visitors log in first", async () => {
    const w = await withDevices();
    expect((await w.admin.get("/devices?item=999")).status).toBe(404);
    expect((await w.admin.get("/devices?code=nope-x")).status).toBe(404);
    expect((await new Browser(w.app).get("/devices?item=2")).status).toBe(303);
  });
});

describe("the domains of a domain item", () => {
  async function withDomains() {
    const w = createWorld();
    const admin = new Browser(w.app);
    await setUpAndLogIn(admin, w.setupToken);
    const uuid = await withMachineUuid(w);
    const license = activatedLicense(uuid);
    const domainItem = { ...license.items[0]!, itemId: "2000004", description: "domain item", chargeWay: "domain" as const, quantity: 2 };
    await admin.post("/import-license-file", { fileText: signed({ ...license, items: [...license.items, domainItem] }), newSuffix: "appA" });
    const authorize = (domain: string) =>
      w.app.request("/api/v1/authorize", {
        method: "POST",
        headers: { "content-type": "application/json", origin: `https://${domain}` },
        body: JSON.stringify({ handshakeCode: "100200-appA", device: { uuid: "browser-000001" }, product: "dbr", version: 10, edition: "javascript", deploymentType: "browser", chargeWay: "domain", nonce: `nonce-${domain.replaceAll(".", "-")}`.padEnd(20, "x") }),
      });
    expect((await authorize("a.example.com")).status).toBe(200);
    expect((await authorize("b.example.com")).status).toBe(200);
    return { ...w, admin, authorize };
  }
  const release = (w: { admin: Browser }, domain: string) => w.admin.post(`/devices/release-domain?item=4&itemRowId=4&domain=${domain}`, {});

  test("are listed with their contacts; a domain silent for 7 days can be released (audited), and frees its seat", async () => {
    const w = await withDomains();
    expect((await w.authorize("c.example.com")).status).toBe(403); // both seats taken
    const page = await w.admin.get("/devices?item=4");
    const rows = [...page.doc.querySelectorAll("#domains-table tbody tr")];
    expect(rows.map((r) => r.querySelector("td code")!.textContent).sort()).toEqual(["a.example.com", "b.example.com"]);
    expect(page.doc.querySelector("#domains-table form")).toBeNull();
    expect(textOf(page, "#domains-table tbody")).toContain("after 7 silent days (7 more)");
    expect((await release(w, "a.example.com")).status).toBe(409);

    w.clock.advance(7 * DAY - 1);
    await w.admin.post("/login", { password: "correct horse battery staple" });
    expect((await release(w, "a.example.com")).status).toBe(409);
    w.clock.advance(1);
    const later = await w.admin.get("/devices?item=4");
    const action = later.doc.querySelector("#domains-table form")!.getAttribute("hx-post")!;
    expect(action).toContain("domain=");
    const released = await w.admin.post(action, {});
    expect(released.status).toBe(200);
    expect(released.doc.querySelectorAll("#domains-table tbody tr")).toHaveLength(1);
    const audit = w.db.select().from(auditEvents).all().find((e) => e.action === "domain.released")!;
    expect(JSON.parse(audit.detail!)).toMatchObject({ itemId: "2000004" });
    expect((await w.authorize("c.example.com")).status).toBe(200);
  });

  test("an unknown domain is 404; the code's page lists its domains too; anonymous visitors cannot release", async () => {
    const w = await withDomains();
    expect((await release(w, "nowhere.example.com")).status).toBe(404);
    const page = await w.admin.get("/devices?code=100200-appA");
    expect(page.doc.querySelectorAll("#domains-table tbody tr")).toHaveLength(2);
    const anonymous = await new Browser(w.app).post("/devices/release-domain?item=4&itemRowId=4&domain=a.example.com", {});
    expect(anonymous.header("hx-redirect")).toMatch(/\/login/);
    expect(w.db.$client.query("SELECT count(*) AS n FROM item_domains").get()).toEqual({ n: 2 });
  });

  test("an item that is not a domain item shows no domains table", async () => {
    const w = await withDomains();
    expect((await w.admin.get("/devices?item=2")).doc.querySelector("#domains-table")).toBeNull();
  });
});

/** Adds `n` devices to an item straight into the table (the test is about reading a long list). */
function addDevices(w: Awaited<ReturnType<typeof withDevices>>, opts: { item: number; n: number; prefix?: string; at?: number; activeFor?: number }) {
  const prefix = opts.prefix ?? "dev-";
  const at = opts.at ?? w.clock.now().getTime();
  const codeId = (w.db.$client.query("SELECT id FROM handshake_codes WHERE code = '100200-appA'").get() as { id: number }).id;
  const device = w.db.$client.prepare("INSERT INTO item_devices (item_row_id, device_uuid, device_name, first_seen_at, last_seen_at, active_until) VALUES (?, ?, ?, ?, ?, ?)");
  const grant = w.db.$client.prepare("INSERT INTO grants (code_id, item_row_id, device_uuid, first_granted_at, last_granted_at) VALUES (?, ?, ?, ?, ?)");
  const added: { uuid: string; name: string | null; lastSeenAt: number }[] = [];
  w.db.$client.transaction(() => {
    for (let i = 0; i < opts.n; i++) {
      const uuid = `${prefix}${String(i).padStart(6, "0")}`;
      const name = i % 3 === 0 ? null : `host-${String(i).padStart(6, "0")}`;
      const lastSeenAt = at - (i % 97) * 60_000; // many ties: the uuid must break them
      device.run(opts.item, uuid, name, lastSeenAt - DAY, lastSeenAt, lastSeenAt + (opts.activeFor ?? 365 * DAY));
      grant.run(codeId, opts.item, uuid, lastSeenAt, lastSeenAt);
      added.push({ uuid, name, lastSeenAt });
    }
  })();
  return added;
}

const uuidsOf = (page: { doc: Document }) => [...page.doc.querySelectorAll("#devices-table tbody tr td:first-child code")].map((c) => c.textContent!);
const linkOf = (page: { doc: Document }, rel: "next" | "prev") => page.doc.querySelector(`#device-list .pager a[rel=${rel}]`)?.getAttribute("href") ?? null;

/** Follows Next from `path` to the end; returns the uuids of every page. */
async function walk(admin: Browser, path: string, between?: (pageNo: number) => void) {
  const pages: string[][] = [];
  for (let url: string | null = path; url; ) {
    const page = await admin.get(url);
    expect(page.status).toBe(200);
    pages.push(uuidsOf(page));
    between?.(pages.length);
    url = linkOf(page, "next");
  }
  return pages;
}

/** SQLite's order of the seeded rows (BINARY text order = code-unit order for ASCII). */
const byNewest = (a: { uuid: string; lastSeenAt: number }, b: { uuid: string; lastSeenAt: number }) => b.lastSeenAt - a.lastSeenAt || (a.uuid < b.uuid ? 1 : -1);

describe("a long device list", () => {
  test("is paged: Next walks every device exactly once, newest contact first (uuid breaks ties), and Previous walks back", async () => {
    const w = await withDevices();
    const added = addDevices(w, { item: 2, n: 260 });
    const all = [...added, { uuid: "phone-000001", lastSeenAt: w.clock.now().getTime() }].sort(byNewest).map((d) => d.uuid);
    const pages = await walk(w.admin, "/devices?item=2");
    expect(pages.map((p) => p.length)).toEqual([50, 50, 50, 50, 50, 11]);
    expect(pages.flat()).toEqual(all);

    const second = await w.admin.get(linkOf(await w.admin.get("/devices?item=2"), "next")!);
    expect(textOf(second, "#device-list .pager")).toContain("Showing 51–100");
    const back = await w.admin.get(linkOf(second, "prev")!);
    expect(uuidsOf(back)).toEqual(all.slice(0, 50));
    expect(linkOf(back, "prev")).toBeNull();
    expect(textOf(back, "#device-list .pager")).toContain("Showing 1–50");
  });

  test("sorts oldest first and by uuid", async () => {
    const w = await withDevices();
    const added = addDevices(w, { item: 2, n: 120 });
    const all = [...added, { uuid: "phone-000001", lastSeenAt: w.clock.now().getTime() }];
    expect((await walk(w.admin, "/devices?item=2&sort=oldest&size=25")).flat()).toEqual([...all].sort(byNewest).reverse().map((d) => d.uuid));
    expect((await walk(w.admin, "/devices?item=2&sort=id&size=25")).flat()).toEqual(all.map((d) => d.uuid).sort());
  });

  test("devices added between pages cause neither duplicates nor skipped devices", async () => {
    for (const sort of ["newest", "id"]) {
      const w = await withDevices();
      const before = [...addDevices(w, { item: 2, n: 150 }).map((d) => d.uuid), "phone-000001"];
      let added: string[] = [];
      const pages = await walk(w.admin, `/devices?item=2&sort=${sort}&size=40`, (pageNo) => {
        if (pageNo === 1 || pageNo === 2) {
          w.clock.advance(60_000);
          added = [...added, ...addDevices(w, { item: 2, n: 20, prefix: `new${pageNo}-` }).map((d) => d.uuid)]; // "new…" sorts after "dev-…" by uuid
        }
      });
      const seen = pages.flat();
      expect(new Set(seen).size).toBe(seen.length);
      for (const uuid of before) expect(seen).toContain(uuid);
      expect(seen.filter((u) => !before.includes(u)).every((u) => added.includes(u))).toBe(true);
    }
  });

  test("is searched by uuid prefix and by name prefix, in the searched column's order", async () => {
    const w = await withDevices();
    const added = addDevices(w, { item: 2, n: 300 });
    const byUuid = await walk(w.admin, "/devices?item=2&q=dev-0001&size=30");
    expect(byUuid.flat()).toEqual(added.map((d) => d.uuid).filter((u) => u.startsWith("dev-0001")));
    expect(byUuid).toHaveLength(4); // 100 of them, 30 a page
    const byName = (await walk(w.admin, "/devices?item=2&field=name&q=host-00002")).flat();
    expect(byName).toEqual(added.filter((d) => d.name?.startsWith("host-00002")).map((d) => d.uuid));
    expect(byName.length).toBeGreaterThan(0);
    const none = await w.admin.get("/devices?item=2&q=zzz");
    expect(textOf(none, "#devices-table")).toBe("No device matches this search.");
    // the search form keeps what was asked, and Next keeps the search
    const page = await w.admin.get("/devices?item=2&field=name&q=host-0001&size=10");
    expect(page.doc.querySelector<HTMLInputElement>('#device-list form[role=search] input[name=q]')!.getAttribute("value")).toBe("host-0001");
    expect(linkOf(page, "next")).toContain("q=host-0001");
  });

  test("a code's list pages across its items, merged in one order", async () => {
    const w = await withDevices();
    const onItem2 = addDevices(w, { item: 2, n: 70, prefix: "a-" });
    const onItem3 = addDevices(w, { item: 3, n: 70, prefix: "b-", at: w.clock.now().getTime() - 30_000 });
    const now = w.clock.now().getTime();
    const all = [...onItem2, ...onItem3, { uuid: "phone-000001", lastSeenAt: now }, { uuid: "kiosk-000001", lastSeenAt: now }].sort(byNewest).map((d) => d.uuid);
    const pages = await walk(w.admin, "/devices?code=100200-appA&size=25");
    expect(pages.flat()).toEqual(all);
    expect((await walk(w.admin, "/devices?code=100200-appA&size=25&q=b-00001")).flat()).toEqual(onItem3.map((d) => d.uuid).filter((u) => u.startsWith("b-00001")));
  });

  test("the page size is 10..200 (size=), else the admin's default; a bad size or a broken cursor is a 400 that says what to do", async () => {
    const w = await withDevices();
    addDevices(w, { item: 2, n: 250 });
    expect(uuidsOf(await w.admin.get("/devices?item=2"))).toHaveLength(50);
    expect(uuidsOf(await w.admin.get("/devices?item=2&size=10"))).toHaveLength(10);
    expect(uuidsOf(await w.admin.get("/devices?item=2&size=200"))).toHaveLength(200);
    for (const size of ["9", "201", "abc", "-5", "1e2", ""]) {
      const bad = await w.admin.get(`/devices?item=2&size=${size}`);
      expect(bad.status).toBe(400);
      expect(bad.text).toContain("size must be a whole number from 10 to 200");
    }
    for (const query of ["after=garbage", "after=1.2", "after=1.x.dev-000001", "before=", "after=1.5.dev-000001&before=1.5.dev-000001", "sort=id&after=1.5.dev-000001", "sort=id&after=1.%25E0%25A4%25A"]) {
      const bad = await w.admin.get(`/devices?item=2&${query}`);
      expect(bad.status).toBe(400);
      expect(bad.text).toContain("Open the first page of the list again");
    }
    expect((await w.admin.get("/devices?item=2&sort=biggest")).status).toBe(400);
  });

  test("Rows per page saves the admin-wide default (audited); size= in the URL still wins", async () => {
    const w = await withDevices();
    addDevices(w, { item: 2, n: 250 });
    const page = await w.admin.get("/devices?item=2&sort=id");
    const form = page.doc.querySelector("#device-list form.rows-per-page")!;
    expect(form.querySelector("option[selected]")!.textContent).toBe("50");
    const csrf = form.querySelector("input[name=_csrf]")!.getAttribute("value")!;
    const saved = await w.admin.post(form.getAttribute("action")!, { _csrf: csrf, size: "25" }, { htmx: false });
    expect(saved.status).toBe(303);
    expect(saved.header("location")).toBe("/devices?item=2&list=devices&sort=id");
    const after = await w.admin.get("/devices?item=2");
    expect(uuidsOf(after)).toHaveLength(25);
    expect(after.doc.querySelector("#device-list form.rows-per-page option[selected]")!.textContent).toBe("25");
    expect(uuidsOf(await w.admin.get("/devices?item=2&size=100"))).toHaveLength(100);
    expect(w.db.select().from(auditEvents).all().filter((e) => e.action === "rows-per-page.changed").map((e) => JSON.parse(e.detail!))).toEqual([{ size: 25 }]);
    expect((await w.admin.post(form.getAttribute("action")!, { _csrf: csrf, size: "500" }, { htmx: false })).status).toBe(422);
    expect(uuidsOf(await w.admin.get("/devices?item=2"))).toHaveLength(25);
  });

  test("a seat released from the second page answers with that same page", async () => {
    const w = await withDevices();
    addDevices(w, { item: 3, n: 30, activeFor: 2 * DAY });
    const first = await w.admin.get("/devices?item=3&sort=id&size=10");
    const second = await w.admin.get(linkOf(first, "next")!);
    const rows = uuidsOf(second);
    const action = second.doc.querySelector("#devices-table form")!.getAttribute("hx-post")!;
    // as htmx posts it: the table's hx-include adds the page's list state
    const include = second.doc.querySelector("#devices-table table")!.getAttribute("hx-include")!;
    const state = Object.fromEntries([...second.doc.querySelectorAll(`${include} input`)].map((i) => [i.getAttribute("name")!, i.getAttribute("value")!]));
    expect([state.sort, state.size, state.after]).toEqual(["id", "10", "10.dev-000009"]);
    const released = await w.admin.post(action, state);
    expect(released.status).toBe(200);
    expect(released.doc.querySelector("#device-list")).not.toBeNull();
    expect(uuidsOf(released)).toEqual(rows);
    expect(textOf(released, "#device-list .pager")).toContain("Showing 11–20");
    expect(textOf(released, "#devices-table tbody tr")).toContain("released");
    expect(w.db.select().from(auditEvents).all().filter((e) => e.action === "device.released")).toHaveLength(1);

    const other = second.doc.querySelectorAll("#devices-table form")[1]!.getAttribute("hx-post")!;
    const bad = await w.admin.post(other, { ...state, size: "5000" });
    expect(bad.status).toBe(400); // a bad list state is refused before anything changes
    expect(w.db.select().from(auditEvents).all().filter((e) => e.action === "device.released")).toHaveLength(1);
  });

  test("htmx gets the list region alone (pushing the URL); a history restore gets the whole page", async () => {
    const w = await withDevices();
    addDevices(w, { item: 2, n: 60 });
    const page = await w.admin.get("/devices?item=2");
    const next = page.doc.querySelector("#device-list .pager a[rel=next]")!;
    expect(next.getAttribute("hx-push-url")).toBe("true");
    expect(next.getAttribute("hx-target")).toBe("#device-list");
    const fragment = await w.admin.get(next.getAttribute("hx-get")!, { "hx-request": "true" });
    expect(fragment.text.startsWith('<div id="device-list">')).toBe(true);
    const restored = await w.admin.get(next.getAttribute("hx-get")!, { "hx-request": "true", "hx-history-restore-request": "true" });
    expect(restored.text).toContain("<!DOCTYPE html>");
    expect(uuidsOf(restored)).toEqual(uuidsOf(fragment));
  });

  test("with 5,000 devices a page stays under 200 KiB, even at 200 rows", async () => {
    const w = await withDevices();
    // concurrent: every row has its Release button; uuids as long as a real one (36 characters)
    addDevices(w, { item: 3, n: 5000, activeFor: 2 * DAY, prefix: "3f2b8c1e-9d4a-4e7b-a6c5-1d0e9f" });
    for (const path of ["/devices?item=3", "/devices?item=3&size=200", "/devices?code=100200-appA&size=200&sort=oldest"]) {
      const page = await w.admin.get(path);
      const next = await w.admin.get(linkOf(page, "next")!); // its Release buttons carry the cursor
      for (const p of [page, next]) {
        expect(p.status).toBe(200);
        expect(uuidsOf(p).length).toBe(path.includes("size=200") ? 200 : 50);
        expect(new TextEncoder().encode(p.text).length).toBeLessThan(200 * 1024);
      }
    }
  });

  test("every list query walks an index in the page's order: no scan of the devices, no sort step", async () => {
    const w = await withDevices();
    addDevices(w, { item: 2, n: 200 });
    const client = w.db.$client;
    const statements = new Set<string>();
    const query = client.query.bind(client);
    client.query = ((sql: string) => {
      if (/FROM item_(devices|domains) d/.test(sql)) statements.add(sql);
      return query(sql);
    }) as typeof client.query;
    for (const scope of ["item=2", "code=100200-appA", "item=2&list=domains"]) {
      for (const state of ["", "&sort=oldest", "&sort=id", "&q=dev-00", "&field=name&q=host-00", "&sort=oldest&q=dev"]) {
        const first = await w.admin.get(`/devices?${scope}${state}&size=10`);
        const second = linkOf(first, "next");
        if (second) await w.admin.get(linkOf(await w.admin.get(second), "prev")!);
      }
    }
    client.query = query;
    expect(statements.size).toBeGreaterThan(10);
    for (const sql of statements) {
      const plan = (client.query(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join("\n");
      expect(plan).not.toMatch(/SCAN d\b|TEMP B-TREE/);
      expect(plan).toMatch(/SEARCH d USING ((COVERING )?INDEX|PRIMARY KEY)/);
    }
  });
});

describe("a long domain list", () => {
  test("is paged and searched by domain prefix", async () => {
    const w = createWorld();
    const admin = new Browser(w.app);
    await setUpAndLogIn(admin, w.setupToken);
    const uuid = await withMachineUuid(w);
    const license = activatedLicense(uuid);
    const domainItem = { ...license.items[0]!, itemId: "2000004", description: "domain item", chargeWay: "domain" as const, quantity: 2 };
    await admin.post("/import-license-file", { fileText: signed({ ...license, items: [...license.items, domainItem] }), newSuffix: "appA" });
    const now = w.clock.now().getTime();
    const insert = w.db.$client.prepare("INSERT INTO item_domains (item_row_id, domain, first_seen_at, last_seen_at) VALUES (4, ?, ?, ?)");
    const domains = Array.from({ length: 45 }, (_, i) => ({ domain: `site${String(i).padStart(3, "0")}.example.com`, lastSeenAt: now - (i % 7) * 60_000 }));
    for (const d of domains) insert.run(d.domain, d.lastSeenAt, d.lastSeenAt);
    const names = (page: { doc: Document }) => [...page.doc.querySelectorAll("#domains-table tbody tr td:first-child code")].map((c) => c.textContent!);
    const walkDomains = async (path: string) => {
      const seen: string[] = [];
      for (let url: string | null = path; url; ) {
        const page = await admin.get(url);
        seen.push(...names(page));
        url = linkOf(page, "next");
      }
      return seen;
    };
    const newest = [...domains].sort((a, b) => b.lastSeenAt - a.lastSeenAt || (a.domain < b.domain ? 1 : -1)).map((d) => d.domain);
    expect(await walkDomains("/devices?item=4&size=10")).toEqual(newest);
    expect(await walkDomains("/devices?code=100200-appA&size=10&sort=id")).toEqual([...newest].sort());
    expect(await walkDomains("/devices?item=4&size=10&q=site01")).toEqual(domains.map((d) => d.domain).filter((d) => d.startsWith("site01")));
    const page = await admin.get("/devices?item=4");
    expect([...page.doc.querySelectorAll("#device-list .list-switch a")].map((a) => [a.textContent, a.getAttribute("aria-current")])).toEqual([["Domains", "page"], ["Devices", null]]);
    expect((await admin.get("/devices?item=4&field=name&q=x")).status).toBe(400);
  });
});
