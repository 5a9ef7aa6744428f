import { describe, expect, test } from "bun:test";
import { auditEvents, handshakeCodeItems, handshakeCodes, licenseItems, licenses } from "../../src/db/schema";
import { Browser, ORIGIN, setUpAndLogIn, textOf } from "../helpers/browser";
import { activatedLicense, signed, vendorKey, withMachineUuid } from "../helpers/licenses";
import { createWorld } from "../helpers/world";

const OTHER_UUID = "FFFFFFFF-0000-1111-2222-333333333333";

async function ready(options: Parameters<typeof createWorld>[0] = {}) {
  const w = createWorld(options);
  const admin = new Browser(w.app);
  await setUpAndLogIn(admin, w.setupToken);
  const uuid = await withMachineUuid(w);
  return { ...w, admin, uuid };
}

/** Uploads a file as the page's htmx form does (multipart). */
function upload(admin: Browser, text: string | Uint8Array, name = "license.lic") {
  const form = new FormData();
  form.set("file", new File([text as BlobPart], name));
  return admin.request("/import-license-file/preview", { method: "POST", headers: { origin: ORIGIN, "hx-request": "true" }, body: form });
}

const tables = (w: ReturnType<typeof createWorld>) => ({
  licenses: w.db.select().from(licenses).all().length,
  items: w.db.select().from(licenseItems).all().length,
  codes: w.db.select().from(handshakeCodes).all().length,
  revoked: w.db.select().from(licenseItems).all().filter((i) => i.revokedAt).length,
});

describe("import license file", () => {
  test("the page offers an upload, and is in the menu", async () => {
    const w = await ready();
    const page = await w.admin.get("/import-license-file");
    expect(textOf(page, "h1")).toBe("Import License File");
    expect(page.doc.querySelector('input[type="file"][name="file"]')).not.toBeNull();
    expect(page.doc.querySelector('.menu a[aria-current="page"]')?.textContent).toBe("Import License File");
  });

  test("preview shows the license, its items and the code choice, and changes nothing", async () => {
    const w = await ready();
    const page = await upload(w.admin, signed(activatedLicense(w.uuid)));
    expect(page.status).toBe(200);
    expect(textOf(page, "#preview-heading")).toBe("A new license");
    expect([...page.doc.querySelectorAll("#preview-items tbody tr")].map((tr) => tr.querySelector("code")?.textContent)).toEqual(["2000001", "2000002", "2000003"]);
    expect(page.text).toContain("demo issuer");
    expect(page.doc.querySelector('input[name="newSuffix"]')?.getAttribute("value")).toBe("1000001");
    expect(tables(w)).toEqual({ licenses: 0, items: 0, codes: 0, revoked: 0 });
  });

  test("confirming imports in one go: license, items, a new default code, an audit row; then License Items", async () => {
    const w = await ready();
    const file = signed(activatedLicense(w.uuid));
    const page = await w.admin.post("/import-license-file", { fileText: file, target: "new", newSuffix: "scanner" });
    expect(page.header("hx-redirect")).toBe("/license-items?imported=1000001&kind=new&code=100200-scanner");
    expect(tables(w)).toEqual({ licenses: 1, items: 3, codes: 1, revoked: 0 });
    const code = w.db.select().from(handshakeCodes).get()!;
    expect(code).toMatchObject({ code: "100200-scanner", isDefault: true, enabled: true });
    expect(w.db.select().from(handshakeCodeItems).all().map((l) => l.position)).toEqual([1, 2, 3]);
    const audit = w.db.select().from(auditEvents).all().find((e) => e.action === "license.imported")!;
    expect(JSON.parse(audit.detail!)).toMatchObject({ licenseId: "1000001", code: "100200-scanner", itemIds: ["2000001", "2000002", "2000003"] });
    const items = await w.admin.get("/license-items?imported=1000001&kind=new&code=100200-scanner");
    expect(textOf(items, ".notice-ok")).toBe("License 1000001 imported. Its items are attached to handshake code 100200-scanner.");
    expect(items.doc.querySelectorAll("#items-table tbody tr.item-row")).toHaveLength(3);
  });

  test("items can go to an existing code of the organization; the first code stays the default", async () => {
    const w = await ready();
    await w.admin.post("/import-license-file", { fileText: signed(activatedLicense(w.uuid)), target: "new", newSuffix: "appA" });
    const second = activatedLicense(w.uuid, { licenseId: "1000002", items: [{ ...activatedLicense(w.uuid).items[0]!, itemId: "2000010" }] });
    const preview = await upload(w.admin, signed(second));
    expect(preview.doc.querySelector('input[value="code:appA"]')).not.toBeNull();
    await w.admin.post("/import-license-file", { fileText: signed(second), target: "code:appA" });
    const codes = w.db.select().from(handshakeCodes).all();
    expect(codes.map((c) => [c.code, c.isDefault])).toEqual([["100200-appA", true]]);
    expect(w.db.select().from(handshakeCodeItems).all()).toHaveLength(4);
  });

  test("without a choice, a new code named after the license id", async () => {
    const w = await ready();
    const page = await w.admin.post("/import-license-file", { fileText: signed(activatedLicense(w.uuid)) });
    expect(page.header("hx-redirect")).toContain("code=100200-1000001");
  });

  test("the same file again is a no-op that says so", async () => {
    const w = await ready();
    const file = signed(activatedLicense(w.uuid));
    await w.admin.post("/import-license-file", { fileText: file });
    const preview = await upload(w.admin, file);
    expect(textOf(preview, "#preview-heading")).toBe("Already imported");
    expect(preview.doc.querySelector(".preview button[type=submit]")).toBeNull();
    const again = await w.admin.post("/import-license-file", { fileText: file });
    expect(again.header("hx-redirect")).toBe("/license-items?imported=1000001&kind=no-op");
    expect(tables(w)).toEqual({ licenses: 1, items: 3, codes: 1, revoked: 0 });
  });

  test("a re-activation for a new UUID after a hardware change rebinds, keeps the items, and ends the mismatch", async () => {
    const w = await ready();
    await w.admin.post("/import-license-file", { fileText: signed(activatedLicense(w.uuid)) });
    const itemRows = w.db.select().from(licenseItems).all().map((i) => i.id);
    (w.labels as import("../helpers/fake-labels").FakeLabelReader).values.mac = "52:54:00:aa:bb:cc";
    const status = await w.deps.machine.refresh();
    expect(status.changedLabels).toEqual(["mac"]);
    const newUuid = status.uuid!;
    expect((await w.admin.get("/")).text).toContain("MAC address");
    const page = await w.admin.post("/import-license-file", { fileText: signed(activatedLicense(newUuid, { activatedAt: "2026-11-20T00:00:00.000Z" })) });
    expect(page.header("hx-redirect")).toBe("/license-items?imported=1000001&kind=rebind");
    expect(w.db.select().from(licenseItems).all().map((i) => i.id)).toEqual(itemRows);
    expect(w.db.select().from(licenses).get()!.boundUuids).toEqual([newUuid]);
    expect(w.deps.machine.status()).toMatchObject({ state: "ok", storedUuid: newUuid, changedLabels: [] });
    expect(w.db.select().from(auditEvents).all().map((e) => e.action)).toContain("uuid.rebound");
  });

  test("an older file of a known license is refused (a rollback): its bigger quantity does not come back", async () => {
    const w = await ready();
    const old = activatedLicense(w.uuid);
    const newer = activatedLicense(w.uuid, { issuedAt: "2026-11-15T00:00:00.000Z", items: old.items.map((i) => ({ ...i, quantity: 1 })) });
    await w.admin.post("/import-license-file", { fileText: signed(newer) });
    const before = w.db.select().from(licenseItems).all();
    for (const file of [signed(old), signed({ ...newer, licensee: "Someone else" })]) {
      const preview = await upload(w.admin, file);
      expect(preview.status).toBe(422);
      expect(textOf(preview, ".notice-error")).toMatch(/imported on 2026-11-28.*import the newest file from your vendor/);
      expect((await w.admin.post("/import-license-file", { fileText: file })).status).toBe(422);
    }
    expect(textOf(await upload(w.admin, signed(old)), ".notice-error")).toBe("This file is older than the one imported on 2026-11-28: import the newest file from your vendor.");
    expect(w.db.select().from(licenseItems).all()).toEqual(before);
  });

  test("a revocation marks its items revoked", async () => {
    const w = await ready();
    await w.admin.post("/import-license-file", { fileText: signed(activatedLicense(w.uuid)) });
    const revocation = signed({ ...activatedLicense(w.uuid), licenseId: "5000001", status: "revocation", items: [], revokes: ["2000002"] });
    const preview = await upload(w.admin, revocation);
    expect(textOf(preview, "#preview-heading")).toBe("A revocation");
    const page = await w.admin.post("/import-license-file", { fileText: revocation });
    expect(page.header("hx-redirect")).toBe("/license-items?imported=5000001&kind=revocation");
    expect(w.db.select().from(licenseItems).all().filter((i) => i.revokedAt).map((i) => i.itemId)).toEqual(["2000002"]);
    const items = await w.admin.get("/license-items");
    expect(items.doc.querySelectorAll("tr.item-row")).toHaveLength(2); // revoked hidden by default
    const all = await w.admin.get("/license-items?revoked=1");
    expect(all.doc.querySelector("tr.status-revoked code")?.textContent).toBe("2000002");
  });

  describe("refuses bad files with a message that says what to do, changing nothing", () => {
    const cases: [string, (uuid: string) => string | Uint8Array, RegExp][] = [
      ["a tampered file", (uuid) => signed(activatedLicense(uuid)).replace(/^(.{40})(.)/m, (_, a, b) => a + (b === "A" ? "B" : "A")), /./],
      ["garbled armor", (uuid) => signed(activatedLicense(uuid)).replace("BEGIN LTS", "BEGIN XTS"), /./],
      ["a file with no armor at all", () => "hello, I am not a license", /./],
      ["an unactivated file", (uuid) => signed({ ...activatedLicense(uuid), status: "new", boundUuids: [], activatedAt: undefined } as never), /not activated yet.*activate --uuid/],
      ["a file bound to another UUID", () => signed(activatedLicense(OTHER_UUID)), /activated for FFFFFFFF-0000-1111-2222-333333333333, not for this server, whose UUID is/],
      ["a file signed by an untrusted key", (uuid) => signed(activatedLicense(uuid), vendorKey().signer), /does not trust/],
      ["a file whose every item expired", (uuid) => signed(activatedLicense(uuid, { items: activatedLicense(uuid).items.map((i) => ({ ...i, startsAt: "2024-01-01T00:00:00.000Z", expiresAt: "2025-01-01T00:00:00.000Z" })) })), /Every item in this file has expired/],
      ["a revocation for unknown items", (uuid) => signed({ ...activatedLicense(uuid), licenseId: "5000002", status: "revocation", items: [], revokes: ["9999999"] }), /9999999, which this server does not have/],
      ["non-UTF-8 bytes", () => new Uint8Array([0x2d, 0x2d, 0xff, 0xfe, 0x0a]), /./],
      ["trailing bytes after the armor", (uuid) => signed(activatedLicense(uuid)) + "extra\n", /./],
    ];
    for (const [what, make, message] of cases) {
      test(what, async () => {
        const w = await ready();
        const before = tables(w);
        const file = make(w.uuid);
        const preview = await upload(w.admin, file);
        expect(preview.status).toBe(422);
        expect(textOf(preview, ".notice-error")).toMatch(message);
        expect(preview.doc.querySelector('input[type="file"]')).not.toBeNull();
        if (typeof file === "string") expect((await w.admin.post("/import-license-file", { fileText: file })).status).toBe(422);
        expect(tables(w)).toEqual(before);
        expect(w.db.select().from(auditEvents).all().some((e) => e.action.startsWith("license."))).toBe(false);
      });
    }

    test("an upload over the size limit is refused with 413", async () => {
      const w = await ready();
      const page = await upload(w.admin, "x".repeat(3 * 1024 * 1024));
      expect(page.status).toBe(413);
      expect(tables(w)).toEqual({ licenses: 0, items: 0, codes: 0, revoked: 0 });
    });

    test("an empty upload asks for the file", async () => {
      const w = await ready();
      const page = await upload(w.admin, "");
      expect(page.status).toBe(422);
      expect(textOf(page, ".notice-error")).toBe("Choose the license file to import.");
    });

    test("an invalid code suffix comes back with the preview and the reason", async () => {
      const w = await ready();
      const page = await w.admin.post("/import-license-file", { fileText: signed(activatedLicense(w.uuid)), target: "new", newSuffix: "no spaces please" });
      expect(page.status).toBe(422);
      expect(textOf(page, ".code-choice .field-error")).toMatch(/letters, digits/);
      expect(page.doc.querySelector('input[name="newSuffix"]')?.getAttribute("value")).toBe("no spaces please");
      expect(tables(w).licenses).toBe(0);
    });
  });

  test("before a machine UUID exists the import says to generate one", async () => {
    const w = createWorld();
    const admin = new Browser(w.app);
    await setUpAndLogIn(admin, w.setupToken);
    await w.deps.machine.settled();
    const page = await upload(admin, signed(activatedLicense(OTHER_UUID)));
    expect(textOf(page, ".notice-error")).toMatch(/no machine UUID yet/);
  });

  test("a build that trusts only its vendor's key refuses demo-signed files and takes the vendor's", async () => {
    const vendor = vendorKey();
    const w = await ready({ trusted: [vendor.publicKey] });
    const demo = await upload(w.admin, signed(activatedLicense(w.uuid)));
    expect(textOf(demo, ".notice-error")).toMatch(/demo issuer.*does not trust/);
    const theirs = await upload(w.admin, signed(activatedLicense(w.uuid), vendor.signer));
    expect(theirs.status).toBe(200);
    expect(theirs.text).not.toContain("demo issuer");
  });

  test("anonymous visitors cannot import", async () => {
    const w = await ready();
    const anonymous = new Browser(w.app);
    const page = await anonymous.post("/import-license-file", { fileText: signed(activatedLicense(w.uuid)) });
    expect(page.header("hx-redirect")).toMatch(/^\/login/);
    expect(tables(w).licenses).toBe(0);
  });
});
