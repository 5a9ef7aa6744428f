import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { auditEvents, handshakeCodeItems, handshakeCodes, licenseItems, settings } from "../../src/db/schema";
import { decodeLicenseKey } from "../../src/domain/license-key";
import { Browser, ORIGIN, PASSWORD, setUpAndLogIn, textOf, type Page } from "../helpers/browser";
import { activatedLicense, signed, withMachineUuid } from "../helpers/licenses";
import { createWorld, FakeHasher, TEST_HOST_ADDRESS, TEST_INSTANCE_KEY } from "../helpers/world";

const SECRET = "Sesame-9f2c-open";
const STANDBY = { url: "https://lts-standby.example.com/", key: TEST_INSTANCE_KEY.publicKey };
/** A public key of another server (the standby's), raw 32 bytes as base64url. */
const OTHER_KEY = Buffer.alloc(32, 7).toString("base64url");

/** A logged-in admin with license 1000001 of organization 100200 (items 2000001–3) imported into code 100200-scanner. */
async function ready() {
  const w = createWorld();
  const admin = new Browser(w.app);
  await setUpAndLogIn(admin, w.setupToken);
  const uuid = await withMachineUuid(w);
  await admin.post("/import-license-file", { fileText: signed(activatedLicense(uuid)), target: "new", newSuffix: "scanner" });
  const rowOf = (itemId: string) => w.db.select().from(licenseItems).where(eq(licenseItems.itemId, itemId)).get()!.id;
  const codeRow = (code: string) => w.db.select().from(handshakeCodes).where(eq(handshakeCodes.code, code)).get();
  /** Imports a second license: organization 300400 (item 3000001), or more items of 100200. */
  const importMore = async (overrides: Parameters<typeof activatedLicense>[1]) => {
    const page = await admin.post("/import-license-file", { fileText: signed(activatedLicense(uuid, overrides)) });
    expect(page.header("hx-redirect")).toContain("/license-items");
  };
  return { ...w, admin, uuid, rowOf, codeRow, importMore };
}
type Ready = Awaited<ReturnType<typeof ready>>;

/**
 * Posts a form whose fields may repeat (the item checkboxes), as htmx does; `htmx: false` posts it
 * as a plain browser form, with the page's CSRF token unless `token: false`.
 */
async function post(admin: Browser, path: string, fields: [string, string][], options: { htmx?: boolean; token?: boolean } = {}): Promise<Page> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN };
  if (options.htmx !== false) headers["hx-request"] = "true";
  else if (options.token !== false) fields = [...fields, ["_csrf", await tokenOf(admin)]];
  return admin.request(path, { method: "POST", headers, body: new URLSearchParams(fields).toString() });
}

/** The CSRF token the portal's forms carry for this browser's session. */
async function tokenOf(admin: Browser): Promise<string> {
  return (await admin.get("/configurations")).doc.querySelector('input[name="_csrf"]')!.getAttribute("value")!;
}

/** The add form's fields for suffix `suffix` with these items. */
function newCode(w: Ready, suffix: string, itemIds: string[], extra: [string, string][] = []): [string, string][] {
  return [["suffix", suffix], ["name", `App ${suffix}`], ...itemIds.map((id): [string, string] => ["items", String(w.rowOf(id))]), ...extra];
}

/** The edit form's fields as the page would post them for `code` (current values), changed by `change`. */
async function editForm(w: Ready, code: string, change: Record<string, string | string[]> = {}): Promise<[string, string][]> {
  const page = await w.admin.get(`/configurations/${code}/edit`);
  const fields: Record<string, string | string[]> = {
    name: page.doc.querySelector('input[name="name"]')!.getAttribute("value") ?? "",
    items: [...page.doc.querySelectorAll('input[name="items"]')].filter((i) => i.hasAttribute("checked")).map((i) => i.getAttribute("value")!),
    domains: page.doc.querySelector('textarea[name="domains"]')!.textContent ?? "",
    appIds: page.doc.querySelector('textarea[name="appIds"]')!.textContent ?? "",
    processNames: page.doc.querySelector('textarea[name="processNames"]')!.textContent ?? "",
    sessionPasswordAction: "keep",
    ...change,
  };
  return Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]]));
}

const keyOf = (page: Page, code: string) => {
  const key = page.doc.querySelector(`#code-${code} .license-key [data-copy]`)?.getAttribute("data-copy");
  if (!key) throw new Error(`no license key for ${code} on the page`);
  return decodeLicenseKey(key);
};
const rowsOf = (page: Page) => [...page.doc.querySelectorAll("#codes-table tbody tr")].map((tr) => tr.querySelector("code.code")!.textContent);
const audit = (w: Ready) => w.db.select().from(auditEvents).all().map((e) => ({ action: e.action, detail: e.detail ? JSON.parse(e.detail) : null }));

describe("configurations (handshake codes)", () => {
  test("the page lists each code with its items, license key, default star and enabled switch; it is in the menu after License Items", async () => {
    const w = await ready();
    const page = await w.admin.get("/configurations");
    expect(page.status).toBe(200);
    expect(textOf(page, "h1")).toBe("Configurations");
    expect([...page.doc.querySelectorAll(".menu a")].map((a) => a.textContent)).toEqual(["Home", "Generate UUID", "Import License File", "License Items", "Configurations", "Email Config", "Alert history", "Backups", "Audit log", "Change Password"]);
    expect(page.doc.querySelector('.menu a[aria-current="page"]')?.textContent).toBe("Configurations");
    expect(rowsOf(page)).toEqual(["100200-scanner"]);
    const row = "#code-100200-scanner";
    expect(textOf(page, `${row} .code-name`)).toBe("Scanner app");
    expect(textOf(page, `${row} .linked-items`)).toBe("3 items 2000001 2000002 2000003");
    expect(page.doc.querySelector(`${row} .star`)?.textContent).toBe("★");
    expect(page.doc.querySelector(`${row} [role="switch"]`)?.getAttribute("aria-checked")).toBe("true");
    const shown = textOf(page, `${row} code.key`)!;
    expect(shown.startsWith("LTS1") && shown.endsWith("…")).toBe(true);
    expect(keyOf(page, "100200-scanner")).toEqual({ hc: "100200-scanner", org: "100200", main: `http://${TEST_HOST_ADDRESS}:48080/`, pk: [TEST_INSTANCE_KEY.publicKey] });
    expect(textOf(page, "#main-url")).toBe(`http://${TEST_HOST_ADDRESS}:48080/`);
    expect(textOf(page, "#instance-public-key")).toBe(TEST_INSTANCE_KEY.publicKey);
    expect(textOf(page, "#instance-kid")).toBe(TEST_INSTANCE_KEY.kid);
  });

  test("a new code takes items, a session password and validation fields; its key carries the password", async () => {
    const w = await ready();
    const form = await w.admin.get("/configurations/new");
    expect(form.doc.querySelectorAll('#code-form input[name="items"]')).toHaveLength(3);
    expect(textOf(form, "#code-form .item-group-title")).toContain("License 1000001 · Scanner app");
    expect(form.doc.querySelector('#code-form input[name="sessionPassword"]')?.getAttribute("type")).toBe("password");

    const page = await post(
      w.admin,
      "/configurations/new",
      newCode(w, "web_app-2", ["2000003", "2000001"], [
        ["sessionPassword", SECRET],
        ["domains", "App.Example.com\nshop.example.com, app.example.com"],
        ["appIds", "com.example.scanner"],
        ["processNames", "Scanner.exe"],
      ]),
    );
    expect(page.header("hx-redirect")).toBe("/configurations?created=100200-web_app-2");
    const row = w.codeRow("100200-web_app-2")!;
    expect(row).toMatchObject({ organizationId: "100200", suffix: "web_app-2", name: "App web_app-2", isDefault: false, enabled: true, customOrder: false });
    expect(row.validationDomains).toEqual(["app.example.com", "shop.example.com"]);
    expect(row.validationAppIds).toEqual(["com.example.scanner"]);
    expect(row.validationProcessNames).toEqual(["Scanner.exe"]);
    // Sealed (and MACed) with the instance key: not stored in clear, not hashed with argon2.
    expect(row.sessionPasswordEnc).not.toContain(SECRET);
    expect(TEST_INSTANCE_KEY.unseal(row.sessionPasswordEnc!)).toBe(SECRET);
    expect(row.sessionPasswordMac).toBe(TEST_INSTANCE_KEY.mac(SECRET));
    expect((w.hasher as FakeHasher).hashes).toBe(1); // the management password at setup, nothing else

    const list = await w.admin.get("/configurations?created=100200-web_app-2");
    expect(textOf(list, ".notice-ok")).toContain("Configuration 100200-web_app-2 created.");
    expect(rowsOf(list)).toEqual(["100200-scanner", "100200-web_app-2"]);
    expect(keyOf(list, "100200-web_app-2")).toMatchObject({ hc: "100200-web_app-2", org: "100200", sp: SECRET });
    expect(textOf(list, "#code-100200-web_app-2 .linked-items")).toBe("2 items 2000001 2000003");
    const created = audit(w).find((e) => e.action === "handshake-code.created" && e.detail.code === "100200-web_app-2")!;
    expect(created.detail).toMatchObject({ itemIds: ["2000001", "2000003"], sessionPassword: "set" });
  });

  test("an organization's first code is its default; a code can be given an organization explicitly", async () => {
    const w = await ready();
    await w.importMore({ licenseId: "1000002", organizationId: "300400", items: [{ ...activatedLicense(w.uuid).items[0]!, itemId: "3000001" }] });
    // The import made 300400-1000002, the organization's default; a second one is not.
    const page = await post(w.admin, "/configurations/new", [["organizationId", "300400"], ...newCode(w, "kiosk", ["3000001"])]);
    expect(page.header("hx-redirect")).toBe("/configurations?created=300400-kiosk");
    expect(w.codeRow("300400-1000002")!.isDefault).toBe(true);
    expect(w.codeRow("300400-kiosk")!.isDefault).toBe(false);
    const form = await w.admin.get("/configurations/new");
    expect([...form.doc.querySelectorAll('select[name="organizationId"] option')].map((o) => o.getAttribute("value"))).toEqual(["", "100200", "300400"]);
  });

  describe("a new code that does not fit comes back with 422, the reasons, and the values but the password", () => {
    const cases: [string, (w: Ready) => Promise<[string, string][]> | [string, string][], string, RegExp][] = [
      ["a bad suffix", (w) => newCode(w, "no spaces", ["2000001"]), "suffix", /letters, digits/],
      ["a code that exists", (w) => newCode(w, "scanner", ["2000001"]), "suffix", /100200-scanner already exists/],
      ["no items", (w) => newCode(w, "empty", []), "items", /at least one item/],
      [
        "items of another organization",
        async (w) => {
          await w.importMore({ licenseId: "1000002", organizationId: "300400", items: [{ ...activatedLicense(w.uuid).items[0]!, itemId: "3000001" }] });
          return [["organizationId", "100200"], ...newCode(w, "mixed", ["2000001", "3000001"])];
        },
        "items",
        /3000001 belongs to organization 300400, not 100200/,
      ],
      [
        "items of two organizations",
        async (w) => {
          await w.importMore({ licenseId: "1000002", organizationId: "300400", items: [{ ...activatedLicense(w.uuid).items[0]!, itemId: "3000001" }] });
          return newCode(w, "mixed", ["2000001", "3000001"]);
        },
        "items",
        /organizations 100200 and 300400/,
      ],
      ["an organization without licenses", (w) => [["organizationId", "777"], ...newCode(w, "ghost", ["2000001"])], "organizationId", /No license of organization 777/],
      ["a domain with a scheme", (w) => newCode(w, "web", ["2000001"], [["domains", "https://app.example.com/"]]), "domains", /not a domain/],
      ["a process name with a folder", (w) => newCode(w, "desk", ["2000001"], [["processNames", "C:\\Apps\\Scanner.exe"]]), "processNames", /without its folder/],
      ["a session password with a line break", (w) => newCode(w, "pw", ["2000001"], [["sessionPassword", `${SECRET}\nx`]]), "sessionPassword", /printable/],
    ];
    for (const [what, fields, field, message] of cases) {
      test(what, async () => {
        const w = await ready();
        const posted = await fields(w);
        const before = w.db.select().from(handshakeCodes).all().length;
        const page = await post(w.admin, "/configurations/new", [...posted.filter(([k]) => k !== "sessionPassword"), ["sessionPassword", posted.find(([k]) => k === "sessionPassword")?.[1] ?? SECRET]]);
        expect(page.status).toBe(422);
        const error = field === "items" ? textOf(page, ".item-choice .field-error") : (textOf(page, `#field-${field}-error`) ?? textOf(page, `#field-${field} ~ .field-error`));
        expect(error).toMatch(message);
        const suffix = posted.find(([k]) => k === "suffix")![1];
        expect(page.doc.querySelector('input[name="suffix"]')?.getAttribute("value")).toBe(suffix);
        const ticked = posted.filter(([k]) => k === "items").map(([, v]) => v);
        for (const value of ticked) expect(page.doc.querySelector(`input[name="items"][value="${value}"]`)?.hasAttribute("checked") ?? true).toBe(true);
        expect(page.text).not.toContain(SECRET);
        expect(w.db.select().from(handshakeCodes).all()).toHaveLength(before);
      });
    }

    test("without JavaScript the whole page comes back", async () => {
      const w = await ready();
      const page = await post(w.admin, "/configurations/new", newCode(w, "", ["2000001"]), { htmx: false });
      expect(page.status).toBe(422);
      expect(textOf(page, "h1")).toBe("New configuration");
    });
  });

  test("edit changes name, items and validation fields, but never the code; the password can be kept, changed or removed", async () => {
    const w = await ready();
    await post(w.admin, "/configurations/new", newCode(w, "web", ["2000001"], [["sessionPassword", SECRET]]));
    const edit = await w.admin.get("/configurations/100200-web/edit");
    expect(textOf(edit, "#code-form code.code")).toBe("100200-web");
    expect(edit.doc.querySelector('input[name="suffix"]')).toBeNull();
    expect(textOf(edit, "#session-password-state")).toBe("Set. It travels inside the license key.");
    expect(edit.doc.querySelector('input[name="sessionPasswordAction"][value="remove"]')).not.toBeNull();

    const saved = await post(w.admin, "/configurations/100200-web/edit", await editForm(w, "100200-web", { name: "Web shop", items: [String(w.rowOf("2000001")), String(w.rowOf("2000002"))], domains: "shop.example.com" }));
    expect(saved.header("hx-redirect")).toBe("/configurations?saved=100200-web");
    const row = w.codeRow("100200-web")!;
    expect(row).toMatchObject({ code: "100200-web", name: "Web shop", validationDomains: ["shop.example.com"] });
    expect(TEST_INSTANCE_KEY.unseal(row.sessionPasswordEnc!)).toBe(SECRET); // kept
    expect(w.db.select().from(handshakeCodeItems).where(eq(handshakeCodeItems.codeId, row.id)).all()).toHaveLength(2);

    await post(w.admin, "/configurations/100200-web/edit", await editForm(w, "100200-web", { sessionPasswordAction: "set", sessionPassword: "NewOne-77" }));
    expect(keyOf(await w.admin.get("/configurations"), "100200-web").sp).toBe("NewOne-77");
    await post(w.admin, "/configurations/100200-web/edit", await editForm(w, "100200-web", { sessionPasswordAction: "remove" }));
    expect(keyOf(await w.admin.get("/configurations"), "100200-web").sp).toBeUndefined();
    expect(w.codeRow("100200-web")).toMatchObject({ sessionPasswordEnc: null, sessionPasswordMac: null });
    expect(audit(w).filter((e) => e.action === "handshake-code.edited").map((e) => e.detail.sessionPassword)).toEqual(["unchanged", "changed", "removed"]);
  });

  test("edit refuses no items (422) and a 'change' without the new password, keeping what was typed", async () => {
    const w = await ready();
    const noItems = await post(w.admin, "/configurations/100200-scanner/edit", await editForm(w, "100200-scanner", { name: "Renamed", items: [] }));
    expect(noItems.status).toBe(422);
    expect(textOf(noItems, ".item-choice .field-error")).toMatch(/at least one item/);
    expect(noItems.doc.querySelector('input[name="name"]')?.getAttribute("value")).toBe("Renamed");
    const noPassword = await post(w.admin, "/configurations/100200-scanner/edit", await editForm(w, "100200-scanner", { sessionPasswordAction: "set", sessionPassword: "" }));
    expect(noPassword.status).toBe(422);
    expect(noPassword.text).toContain("Type the new session password");
    expect(w.codeRow("100200-scanner")!.name).toBe("Scanner app");
    expect((await w.admin.get("/configurations/100200-nope/edit")).status).toBe(404);
  });

  test("the enabled switch turns a code off and on; htmx gets the table back, a plain form a redirect", async () => {
    const w = await ready();
    const off = await post(w.admin, "/configurations/100200-scanner/disable", []);
    expect(off.status).toBe(200);
    expect(off.doc.querySelector("#codes-table")).not.toBeNull();
    expect(off.doc.querySelector('#code-100200-scanner [role="switch"]')?.getAttribute("aria-checked")).toBe("false");
    expect(w.codeRow("100200-scanner")!.enabled).toBe(false);
    const updatedAt = w.codeRow("100200-scanner")!.updatedAt.getTime();
    w.clock.advance(60_000);
    const on = await post(w.admin, "/configurations/100200-scanner/enable", [], { htmx: false });
    expect(on.status).toBe(303);
    expect(on.header("location")).toBe("/configurations");
    expect(w.codeRow("100200-scanner")!.enabled).toBe(true);
    expect(w.codeRow("100200-scanner")!.updatedAt.getTime()).toBe(updatedAt + 60_000);
    expect(audit(w).map((e) => e.action)).toEqual(expect.arrayContaining(["handshake-code.disabled", "handshake-code.enabled"]));
  });

  test("make default moves the star: exactly one default per organization; a disabled code cannot take it", async () => {
    const w = await ready();
    await post(w.admin, "/configurations/new", newCode(w, "second", ["2000001"]));
    const page = await post(w.admin, "/configurations/100200-second/default", []);
    expect(page.doc.querySelector("#code-100200-second .star")).not.toBeNull();
    expect(page.doc.querySelector("#code-100200-scanner .star")).toBeNull();
    expect(page.doc.querySelector('#code-100200-scanner button[aria-label^="Make 100200-scanner the default"]')).not.toBeNull();
    expect(w.db.select().from(handshakeCodes).all().filter((c) => c.isDefault).map((c) => c.code)).toEqual(["100200-second"]);
    expect(audit(w).find((e) => e.action === "handshake-code.default-changed")!.detail).toEqual({ organizationId: "100200", code: "100200-second", previous: "100200-scanner" });

    await post(w.admin, "/configurations/100200-scanner/disable", []);
    const refused = await post(w.admin, "/configurations/100200-scanner/default", []);
    expect(refused.status).toBe(409);
    expect(refused.header("hx-retarget")).toBe("#flash");
    expect(refused.text).toContain("enable it before making it the default");
    expect(w.codeRow("100200-second")!.isDefault).toBe(true);
  });

  test("delete: refused while the code has granted a device (disable it instead), allowed when unused; the default goes last", async () => {
    const w = await ready();
    await post(w.admin, "/configurations/new", newCode(w, "used", ["2000001"]));
    await post(w.admin, "/configurations/new", newCode(w, "unused", ["2000002"]));
    w.deps.usageStore.touchGrant(w.codeRow("100200-used")!.id, w.rowOf("2000001"), "device-1", 0);

    const refused = await post(w.admin, "/configurations/100200-used/delete", []);
    expect(refused.status).toBe(409);
    expect(refused.text).toMatch(/has served clients.*Disable it instead/);
    expect(w.codeRow("100200-used")).toBeDefined();
    const list = await w.admin.get("/configurations");
    expect(textOf(list, "#code-100200-used td:nth-child(6)")).toBe("1"); // devices

    const deleted = await post(w.admin, "/configurations/100200-unused/delete", []);
    expect(deleted.status).toBe(200);
    expect(rowsOf(deleted)).toEqual(["100200-scanner", "100200-used"]);
    expect(w.codeRow("100200-unused")).toBeUndefined();
    expect(audit(w).find((e) => e.action === "handshake-code.deleted")!.detail).toMatchObject({ code: "100200-unused" });

    const theDefault = await post(w.admin, "/configurations/100200-scanner/delete", [], { htmx: false });
    expect(theDefault.status).toBe(409);
    expect(theDefault.text).toContain("Make another code (such as 100200-used) the default first");
  });

  test("consumption order: up and down set a custom order, reset goes back to the default", async () => {
    const w = await ready();
    // Make the default order differ from the import order: 2000003 expires first.
    w.db.update(licenseItems).set({ expiresAt: new Date("2027-03-01T00:00:00.000Z") }).where(eq(licenseItems.itemId, "2000003")).run();
    const order = (page: Page) => [...page.doc.querySelectorAll("#consumption-order li code")].map((c) => c.textContent);
    const edit = await w.admin.get("/configurations/100200-scanner/edit");
    expect(order(edit)).toEqual(["2000003", "2000001", "2000002"]);
    expect(edit.doc.querySelector('#consumption-order button[aria-label="Move item 2000003 up"]')?.hasAttribute("disabled")).toBe(true);
    expect(textOf(edit, "#consumption-order")).not.toContain("Reset to the default order");

    const down = await post(w.admin, `/configurations/100200-scanner/order/${w.rowOf("2000003")}/down`, []);
    expect(down.doc.querySelector("#consumption-order")).not.toBeNull();
    expect(order(down)).toEqual(["2000001", "2000003", "2000002"]);
    const up = await post(w.admin, `/configurations/100200-scanner/order/${w.rowOf("2000002")}/up`, []);
    expect(order(up)).toEqual(["2000001", "2000002", "2000003"]);
    expect(w.codeRow("100200-scanner")!.customOrder).toBe(true);
    expect(w.db.select().from(handshakeCodeItems).all().sort((a, b) => a.position - b.position).map((l) => l.itemRowId)).toEqual([w.rowOf("2000001"), w.rowOf("2000002"), w.rowOf("2000003")]);
    // The custom order stands whatever the dates say; the table lists the items in it.
    expect(textOf(await w.admin.get("/configurations"), "#code-100200-scanner .linked-items")).toBe("3 items 2000001 2000002 2000003");

    const reset = await post(w.admin, "/configurations/100200-scanner/order/reset", []);
    expect(order(reset)).toEqual(["2000003", "2000001", "2000002"]);
    expect(w.codeRow("100200-scanner")!.customOrder).toBe(false);
    expect(audit(w).map((e) => e.action).filter((a) => a.startsWith("handshake-code.order"))).toEqual(["handshake-code.order-changed", "handshake-code.order-changed", "handshake-code.order-reset"]);

    const plain = await post(w.admin, `/configurations/100200-scanner/order/${w.rowOf("2000001")}/down`, [], { htmx: false });
    expect(plain.header("location")).toBe("/configurations/100200-scanner/edit");
    expect((await post(w.admin, "/configurations/100200-scanner/order/99999/up", [])).status).toBe(404);
  });

  test("Set Server URL regenerates every key shown: main, standby and its key, the session password kept", async () => {
    const w = await ready();
    await post(w.admin, "/configurations/new", newCode(w, "web", ["2000001"], [["sessionPassword", SECRET]]));
    const saved = await w.admin.post("/configurations/server-url", { main: "https://LTS.example.com/lts", standby: "https://lts-standby.example.com", standbyPublicKey: OTHER_KEY });
    expect(saved.header("hx-redirect")).toBe("/configurations?server-url=saved");
    const page = await w.admin.get("/configurations?server-url=saved");
    expect(textOf(page, ".notice-ok")).toContain("Server URLs saved");
    expect(textOf(page, "#main-url")).toBe("https://lts.example.com/lts/");
    expect(textOf(page, "#standby-url")).toBe(STANDBY.url);
    expect(keyOf(page, "100200-web")).toEqual({ hc: "100200-web", org: "100200", main: "https://lts.example.com/lts/", standby: STANDBY.url, sp: SECRET, pk: [TEST_INSTANCE_KEY.publicKey, OTHER_KEY] });
    expect(keyOf(page, "100200-scanner")).toMatchObject({ main: "https://lts.example.com/lts/", standby: STANDBY.url, pk: [TEST_INSTANCE_KEY.publicKey, OTHER_KEY] });
    expect(page.doc.querySelector('#server-url-form input[name="main"]')?.getAttribute("value")).toBe("https://lts.example.com/lts/");
    expect(w.db.select().from(settings).all().map((s) => [s.key, s.value]).sort()).toEqual([
      ["server.mainUrl", "https://lts.example.com/lts/"],
      ["server.standbyPublicKey", OTHER_KEY],
      ["server.standbyUrl", STANDBY.url],
    ]);
    expect(audit(w).find((e) => e.action === "server-url.changed")!.detail).toMatchObject({ main: "https://lts.example.com/lts/", standby: STANDBY.url });

    // Cleared: back to this host's address, no standby.
    await w.admin.post("/configurations/server-url", { main: "", standby: "", standbyPublicKey: "" });
    expect(keyOf(await w.admin.get("/configurations"), "100200-scanner")).toEqual({ hc: "100200-scanner", org: "100200", main: `http://${TEST_HOST_ADDRESS}:48080/`, pk: [TEST_INSTANCE_KEY.publicKey] });
  });

  test("Set Server URL refuses bad input with 422, naming the field and keeping the values", async () => {
    const w = await ready();
    const page = await w.admin.post("/configurations/server-url", { main: "lts.example.com/?x", standby: STANDBY.url, standbyPublicKey: "" });
    expect(page.status).toBe(422);
    expect(textOf(page, "#field-main-error")).toMatch(/not an absolute URL/);
    expect(textOf(page, "#field-standbyPublicKey-error")).toMatch(/public key/);
    expect(page.doc.querySelector('input[name="main"]')?.getAttribute("value")).toBe("lts.example.com/?x");
    expect(page.doc.querySelector('input[name="standby"]')?.getAttribute("value")).toBe(STANDBY.url);
    const whole = await w.admin.post("/configurations/server-url", { main: "ftp://x/", _csrf: await tokenOf(w.admin) }, { htmx: false });
    expect(whole.status).toBe(422);
    expect(textOf(whole, "h1")).toBe("Configurations");
    expect(textOf(whole, "#field-main-error")).toMatch(/Use http/);
    expect(w.db.select().from(settings).all()).toHaveLength(0);
  });

  test("the session password appears in no page but inside the license key, and never in the log or the audit", async () => {
    const w = await ready();
    await post(w.admin, "/configurations/new", newCode(w, "web", ["2000001"], [["sessionPassword", SECRET]]));
    await post(w.admin, "/configurations/new", newCode(w, "bad suffix", ["2000001"], [["sessionPassword", SECRET]]));
    await post(w.admin, "/configurations/100200-web/edit", await editForm(w, "100200-web", { sessionPasswordAction: "set", sessionPassword: SECRET, domains: "not a domain" }));
    const pages = await Promise.all(["/", "/configurations", "/configurations/100200-web/edit", "/configurations/new", "/license-items"].map((p) => w.admin.get(p)));
    for (const page of pages) {
      const keys = [...page.doc.querySelectorAll("[data-copy]")].map((b) => b.getAttribute("data-copy")!);
      let text = page.text;
      for (const key of keys) text = text.replaceAll(key, "");
      expect(text).not.toContain(SECRET);
    }
    expect(keyOf(pages[1]!, "100200-web").sp).toBe(SECRET);
    expect(w.logger.lines.join("\n")).not.toContain(SECRET);
    expect(w.db.select().from(auditEvents).all().map((e) => e.detail ?? "").join("\n")).not.toContain(SECRET);
  });

  test("under --base-path the default main URL and every link carry the path", async () => {
    const w = createWorld({ flags: { basePath: "/lts" } });
    const admin = new Browser(w.app);
    await admin.post("/lts/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    await admin.post("/lts/login", { password: PASSWORD });
    const uuid = await withMachineUuid(w);
    await admin.post("/lts/import-license-file", { fileText: signed(activatedLicense(uuid)), target: "new", newSuffix: "scanner" });
    const page = await admin.get("/lts/configurations");
    expect(textOf(page, "#main-url")).toBe(`http://${TEST_HOST_ADDRESS}:48080/lts/`);
    expect(keyOf(page, "100200-scanner").main).toBe(`http://${TEST_HOST_ADDRESS}:48080/lts/`);
    expect(page.doc.querySelector('#code-100200-scanner a[href$="/edit"]')?.getAttribute("href")).toBe("/lts/configurations/100200-scanner/edit");
    expect(page.doc.querySelector("#code-100200-scanner form.inline-form")?.getAttribute("hx-post")).toBe("/lts/configurations/100200-scanner/disable");
    const off = await admin.request("/lts/configurations/100200-scanner/disable", { method: "POST", headers: { origin: ORIGIN, "hx-request": "true" } });
    expect(off.status).toBe(200);
  });

  test("anonymous visitors are sent to log in and change nothing; a cross-site post is refused", async () => {
    const w = await ready();
    const anonymous = new Browser(w.app);
    const page = await anonymous.get("/configurations");
    expect(page.status).toBe(303);
    expect(page.header("location")).toMatch(/^\/login/);
    const create = await post(anonymous, "/configurations/new", newCode(w, "sneaky", ["2000001"]));
    expect(create.header("hx-redirect")).toMatch(/^\/login/);
    expect((await post(anonymous, "/configurations/100200-scanner/disable", [])).header("hx-redirect")).toMatch(/^\/login/);
    expect((await anonymous.post("/configurations/server-url", { main: "https://evil.example.com/" })).header("hx-redirect")).toMatch(/^\/login/);
    // CSRF (the middleware): the admin's own cookie, but no HX-Request and no token.
    const forged = await post(w.admin, "/configurations/100200-scanner/disable", [], { htmx: false, token: false });
    expect(forged.status).toBe(403);
    expect(w.codeRow("100200-sneaky")).toBeUndefined();
    expect(w.codeRow("100200-scanner")!.enabled).toBe(true);
    expect(w.db.select().from(settings).all()).toHaveLength(0);
  });
});
