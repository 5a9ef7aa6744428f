import { describe, expect, test } from "bun:test";
import { VERSION } from "../../src/lib/version";
import { Browser, PASSWORD, setUpAndLogIn, textOf } from "../helpers/browser";
import { createWorld } from "../helpers/world";

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
