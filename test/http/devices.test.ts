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
