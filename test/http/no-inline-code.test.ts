import { describe, expect, test } from "bun:test";
import { apiWorld, CODE, deviceId } from "../helpers/api";
import { Browser, ORIGIN, PASSWORD, setUpAndLogIn, type Page } from "../helpers/browser";
import { activatedLicense, licenseItem, signed } from "../helpers/licenses";

// The portal's Content-Security-Policy allows no inline style or script (security-headers.ts), so
// a `style` attribute, a <style> element, an inline <script>, an on*= handler or a javascript: URL
// would silently not work in a browser. Every page and fragment is checked here, without one.

/** Each piece of inline code in the page, described so that a failure says where it is. */
function inlineCode(page: Page): string[] {
  const found: string[] = [];
  for (const el of page.doc.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    const where = `<${tag}${el.id ? `#${el.id}` : ""}>`;
    if (tag === "style") found.push(`${where} element`);
    if (tag === "script" && !el.hasAttribute("src")) found.push(`${where} without src`);
    for (const { name, value } of [...el.attributes]) {
      if (name === "style") found.push(`${where} style="${value}"`);
      if (/^on/i.test(name)) found.push(`${where} ${name}="${value}"`);
      if (/^\s*javascript:/i.test(value)) found.push(`${where} ${name}="${value}"`);
    }
  }
  return found;
}

/** Posts a form as a browser without htmx does: with the `_csrf` token of the page it is on. */
async function plainPost(browser: Browser, pagePath: string, action: string, form: Record<string, string>): Promise<Page> {
  const token = (await browser.get(pagePath)).doc.querySelector('input[name="_csrf"]')?.getAttribute("value") ?? "";
  return browser.post(action, { ...form, _csrf: token }, { htmx: false });
}

/** A portal with data on every page: items of each kind, a code, devices that used them. */
async function portal() {
  const api = await apiWorld({
    items: [
      { chargeWay: "device", quantity: 10 },
      { chargeWay: "concurrent-device", quantity: 5 },
      { chargeWay: "scan", quantity: 1000 },
    ],
  });
  await api.authorize({ device: { uuid: deviceId(1) } });
  await api.authorize({ device: { uuid: deviceId(2), name: "Front desk" } });
  const anonymous = new Browser(api.w.app);
  const setup = await anonymous.get("/setup");
  const setupRefused = await anonymous.post("/setup", { token: "wrong", password: PASSWORD, confirmPassword: "other" });
  const admin = new Browser(api.w.app);
  await setUpAndLogIn(admin, api.w.setupToken);
  return { ...api, admin, anonymous, setup, setupRefused };
}

describe("no inline style or script on any portal page", () => {
  test("pages, fragments, form errors and error pages", async () => {
    const { admin, anonymous, setup, setupRefused, uuid } = await portal();
    const upload = new FormData();
    upload.set("file", new File([signed(activatedLicense(uuid, { licenseId: "1000002", items: [licenseItem({ itemId: "3000001" })] }))], "license.lic"));
    const htmx = { "hx-request": "true" };
    const pages: [string, Page][] = [
      ["setup", setup],
      ["setup, refused", setupRefused],
      ["login", await anonymous.get("/login")],
      ["login, refused", await plainPost(anonymous, "/login", "/login", { password: "not the password" })],
      ["login, refused, htmx", await anonymous.post("/login", { password: "not the password either" })],
      ["home", await admin.get("/")],
      ["import", await admin.get("/import-license-file")],
      ["import preview", await admin.request("/import-license-file/preview", { method: "POST", headers: { origin: ORIGIN, ...htmx }, body: upload })],
      ["license items", await admin.get("/license-items?expired=1&revoked=1")],
      ["license items table", await admin.get("/license-items?sort=used", htmx)],
      ["item details", await admin.get("/license-items/1", htmx)],
      ["configurations", await admin.get("/configurations")],
      ["new configuration", await admin.get("/configurations/new")],
      ["new configuration, refused", await plainPost(admin, "/configurations/new", "/configurations/new", { suffix: "bad suffix!", name: "" })],
      ["new configuration, refused, htmx", await admin.post("/configurations/new", { suffix: "bad suffix!", name: "" })],
      ["edit configuration", await admin.get(`/configurations/${CODE}/edit`)],
      ["devices of an item", await admin.get("/devices?item=1")],
      ["devices of a code", await admin.get(`/devices?code=${CODE}`)],
      ["statistics of a code", await admin.get(`/statistics/code/${CODE}?range=7d&metric=authorizations&day=2026-11-28`)],
      ["statistics of an item", await admin.get("/statistics/item/2?range=all&metric=concurrency&day=2026-11-28")],
      ["statistics details, htmx", await admin.get(`/statistics/code/${CODE}?metric=consumption&day=2026-11-28&group=counter`, htmx)],
      ["change password", await admin.get("/change-password")],
      ["change password, refused", await plainPost(admin, "/change-password", "/change-password", { currentPassword: "wrong", newPassword: "x", confirmPassword: "y" })],
      ["change password, refused, htmx", await admin.post("/change-password", { currentPassword: "wrong", newPassword: "x", confirmPassword: "y" })],
      ["generate UUID", await admin.get("/generate-uuid")],
      ["backups", await admin.get("/backups")],
      ["backup settings, refused", await admin.post("/backups/settings", { keep: "0", hourUtc: "3" })],
      ["audit log", await admin.get("/audit-log?action=login")],
      ["audit log, refused filter", await admin.get("/audit-log?from=yesterday")],
      ["404", await admin.get("/no-such-page")],
      ["404 for htmx", await admin.get("/license-items/999", htmx)],
    ];
    expect(pages.map(([name, page]) => [name, page.status])).toEqual(pages.map(([name]) => [name, /^404/.test(name) ? 404 : /refused/.test(name) ? 422 : 200]));
    expect(pages.filter(([, page]) => page.doc.querySelectorAll("*").length < 3).map(([name]) => name)).toEqual([]);
    expect(pages.map(([name, page]) => ({ name, found: inlineCode(page) })).filter((p) => p.found.length > 0)).toEqual([]);
  });

  test("the check itself finds each kind of inline code", async () => {
    const { admin } = await portal();
    const page = await admin.get("/");
    page.doc.body.insertAdjacentHTML(
      "beforeend",
      `<p style="color:red"></p><style>p{}</style><script>alert(1)</script><script src="/static/app.js"></script><button onclick="x()"></button><a href="javascript:void 0"></a>`,
    );
    expect(inlineCode(page)).toEqual(['<p> style="color:red"', "<style> element", "<script> without src", '<button> onclick="x()"', '<a> href="javascript:void 0"']);
  });
});
