import { describe, expect, test } from "bun:test";
import { auditEvents } from "../../src/db/schema";
import { Browser, ORIGIN, PASSWORD, setUpAndLogIn, textOf } from "../helpers/browser";
import { apiWorld, CODE, updateCode } from "../helpers/api";
import { createWorld } from "../helpers/world";

async function loggedIn(flags?: Record<string, string>) {
  const w = createWorld({ flags });
  const admin = new Browser(w.app);
  await setUpAndLogIn(admin, w.setupToken);
  return { ...w, admin };
}

const NEW = "a brand new long password";
const changeForm = { currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW };
const changed = (w: Awaited<ReturnType<typeof loggedIn>>) => w.db.select().from(auditEvents).all().some((e) => e.action === "password.changed");

describe("CSRF", () => {
  test("a request from the portal's own origin with HX-Request is accepted", async () => {
    const w = await loggedIn();
    expect((await w.admin.post("/change-password", changeForm)).header("hx-redirect")).toBe("/change-password?ended=0");
  });

  const refused: [string, () => { headers: Record<string, string>; body: string; htmx?: boolean }][] = [
    ["from a foreign Origin", () => ({ headers: { origin: "http://evil.example" }, body: new URLSearchParams(changeForm).toString() })],
    ["from a foreign Referer without Origin", () => ({ headers: { origin: "", referer: "http://evil.example/page" }, body: new URLSearchParams(changeForm).toString() })],
    ["with neither Origin nor Referer", () => ({ headers: { origin: "" }, body: new URLSearchParams(changeForm).toString() })],
    ["with Origin null", () => ({ headers: { origin: "null" }, body: new URLSearchParams(changeForm).toString() })],
    ["without HX-Request or a token", () => ({ headers: {}, body: new URLSearchParams(changeForm).toString(), htmx: false })],
    ["with a wrong token and no HX-Request", () => ({ headers: {}, body: new URLSearchParams({ ...changeForm, _csrf: "forged" }).toString(), htmx: false })],
    ["as JSON without HX-Request", () => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(changeForm), htmx: false })],
    ["as text/plain without HX-Request", () => ({ headers: { "content-type": "text/plain" }, body: "currentPassword=x", htmx: false })],
  ];
  for (const [what, make] of refused) {
    test(`refuses a state change ${what} with 403 and changes nothing`, async () => {
      const w = await loggedIn();
      const { headers, body, htmx } = make();
      const all: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers };
      if (htmx !== false) all["hx-request"] = "true";
      for (const [k, v] of Object.entries(all)) if (v === "") delete all[k];
      const page = await w.admin.request("/change-password", { method: "POST", headers: all, body });
      expect(page.status).toBe(403);
      expect(changed(w)).toBe(false);
    });
  }

  test("a plain form post with the session's token and own Referer is accepted", async () => {
    const w = await loggedIn();
    const form = await w.admin.get("/change-password");
    const token = form.doc.querySelector('#change-password-form input[name="_csrf"]')!.getAttribute("value")!;
    const page = await w.admin.post("/change-password", { ...changeForm, _csrf: token }, { htmx: false, headers: { origin: "", referer: `${ORIGIN}/change-password` } });
    expect(page.status).toBe(303);
    expect(changed(w)).toBe(true);
  });

  test("works over plain HTTP on a LAN address, where browsers send no Sec-Fetch-Site", async () => {
    const w = await loggedIn();
    const res = await w.app.request(
      "http://10.1.2.3:48080/change-password",
      { method: "POST", headers: { host: "10.1.2.3:48080", origin: "http://10.1.2.3:48080", "hx-request": "true", "content-type": "application/x-www-form-urlencoded", cookie: `lts_session=${w.admin.cookies.get("lts_session")}` }, body: new URLSearchParams(changeForm).toString() },
      { requestIP: () => ({ address: "10.1.2.4" }) },
    );
    expect(res.headers.get("hx-redirect")).toBe("/change-password?ended=0");
  });

  /** Posts the change-password form as the logged-in admin with exactly these Host/Origin/forwarded headers. */
  const postAs = (w: Awaited<ReturnType<typeof loggedIn>>, headers: Record<string, string>, peer = "10.1.2.4") =>
    w.app.request(
      "/change-password",
      {
        method: "POST",
        headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded", cookie: `lts_session=${w.admin.cookies.get("lts_session")}`, ...headers },
        body: new URLSearchParams(changeForm).toString(),
      },
      { requestIP: () => ({ address: peer }) },
    );

  const foreignHosts: [string, Record<string, string>][] = [
    ["the same host on another port", { host: "lts.lan:48080", origin: "http://lts.lan:1234" }],
    ["another port when the host has none", { host: "lts.lan", origin: "http://lts.lan:8080" }],
    ["a host that merely starts with ours", { host: "lts.lan", origin: "http://lts.lan.evil" }],
    ["a host that ours merely starts with", { host: "lts.lan.evil", origin: "http://lts.lan" }],
    ["a Referer on a host that merely starts with ours", { host: "lts.lan", referer: "http://lts.lan.evil/change-password" }],
  ];
  for (const [what, headers] of foreignHosts) {
    test(`refuses an Origin or Referer naming ${what}`, async () => {
      const w = await loggedIn();
      expect((await postAs(w, headers)).status).toBe(403);
      expect(changed(w)).toBe(false);
    });
  }

  test("X-Forwarded-Host counts only from a listed proxy", async () => {
    const viaProxy = { host: "10.0.0.5:48080", origin: "https://lts.example.com", "x-forwarded-host": "lts.example.com" };
    const without = await loggedIn();
    expect((await postAs(without, viaProxy, "10.0.0.2")).status).toBe(403);
    const otherPeer = await loggedIn({ trustProxy: "10.0.0.2" });
    expect((await postAs(otherPeer, viaProxy, "10.0.0.3")).status).toBe(403);
    expect(changed(otherPeer)).toBe(false);
    const listed = await loggedIn({ trustProxy: "10.0.0.2" });
    expect((await postAs(listed, viaProxy, "10.0.0.2")).headers.get("hx-redirect")).toBe("/change-password?ended=0");
  });

  test("the login form itself is protected too", async () => {
    const w = createWorld();
    const page = await new Browser(w.app).post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD }, { headers: { origin: "http://evil.example" } });
    expect(page.status).toBe(403);
  });

  test("logout by GET does nothing", async () => {
    const w = await loggedIn();
    expect((await w.admin.get("/logout")).status).toBe(404);
    expect((await w.admin.get("/")).status).toBe(200);
  });
});

describe("no admin page answers before login", () => {
  const PUBLIC = new Set(["/healthz", "/static/:name", "/setup", "/login"]);
  for (const state of ["before setup", "after setup"] as const) {
    test(`every non-public route refuses an anonymous visitor ${state}`, async () => {
      const w = createWorld();
      if (state === "after setup") await new Browser(w.app).post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
      const paths = [...new Set(w.app.routes.map((r) => r.path))].filter((p) => !PUBLIC.has(p) && p !== "/*" && !p.startsWith("/api/v1/")); // the client API is public by design
      expect(paths).toContain("/change-password");
      const variants = paths.flatMap((p) => [p, `${p}/`, `/%2e%2e${p}`, `/${p}`, p.toUpperCase()]);
      for (const path of variants) {
        for (const method of ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]) {
          const res = await w.app.request(path, { method, headers: { origin: ORIGIN, "hx-request": "true" } }, { requestIP: () => ({ address: "192.0.2.1" }) });
          const body = await res.text();
          expect(res.status >= 200 && res.status < 300 && res.headers.get("hx-redirect") === null, `${method} ${path} → ${res.status}`).toBe(false);
          expect(body, `${method} ${path}`).not.toContain('class="sidebar"');
        }
      }
    });
  }
});

describe("headers on every response", () => {
  test("strict CSP, nosniff, referrer policy, framing refused, request id, no X-Powered-By", async () => {
    const w = await loggedIn();
    const anonymous = new Browser(w.app);
    const pages = [
      await w.admin.get("/"),
      await w.admin.get("/index"),
      await w.admin.get("/change-password"),
      await w.admin.get("/no-such-page"),
      await anonymous.get("/login"),
      await anonymous.get("/healthz"),
      await anonymous.get("/static/app.css"),
      await w.admin.post("/change-password", {}),
    ];
    for (const page of pages) {
      const csp = page.header("content-security-policy")!;
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(directive);
      expect(csp).not.toMatch(/unsafe-(inline|eval)/);
      expect(page.header("x-content-type-options")).toBe("nosniff");
      expect(page.header("referrer-policy")).toBe("same-origin");
      expect(page.header("x-frame-options")).toBe("DENY");
      expect(page.header("x-request-id")).toMatch(/^[A-Za-z0-9_-]{12}$/);
      expect(page.header("x-powered-by")).toBeNull();
      expect(page.header("strict-transport-security")).toBeNull();
    }
  });

  test("pages carry no inline script or style, and htmx is configured not to inject any", async () => {
    const w = await loggedIn();
    for (const path of ["/", "/change-password", "/no-such-page"]) {
      const page = await w.admin.get(path);
      for (const script of page.doc.querySelectorAll("script")) expect(script.getAttribute("src")).toMatch(/^\/static\//);
      expect(page.doc.querySelectorAll("style")).toHaveLength(0);
      expect(page.doc.querySelectorAll("[style]")).toHaveLength(0);
      expect(page.doc.querySelectorAll("[onclick], [onload], [hx-on]")).toHaveLength(0);
      const config = JSON.parse(page.doc.querySelector('meta[name="htmx-config"]')!.getAttribute("content")!);
      expect(config.includeIndicatorStyles).toBe(false);
      expect(config.allowEval).toBe(false);
    }
  });

  test("an unexpected error is a 500 page with the request id and nothing internal", async () => {
    const w = createWorld({
      hasher: {
        hash: async () => "x",
        verify: async () => {
          throw new Error("database secret exploded at /internal/path");
        },
      },
    });
    const browser = new Browser(w.app);
    await browser.post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    const htmx = await browser.post("/login", { password: PASSWORD });
    expect(htmx.status).toBe(500);
    expect(htmx.text).not.toContain("exploded");
    expect(htmx.text).not.toContain("at ");
    expect(htmx.text).toContain(htmx.header("x-request-id")!);
    expect(htmx.header("hx-retarget")).toBe("#flash");
    const logged = w.logger.lines.map((l) => JSON.parse(l)).find((l) => l.level === "error");
    expect(logged.requestId).toBe(htmx.header("x-request-id"));
    expect(logged.error.message).toContain("exploded");
  });

  test("a 404 is a clear page that says what to do", async () => {
    const w = await loggedIn();
    const page = await w.admin.get("/nowhere");
    expect(page.status).toBe(404);
    expect(textOf(page, "h1")).toBe("Page not found");
    expect(textOf(page, ".notice-error")).toMatch(/Use the menu/);
  });

  test("a malformed multipart body is a 400 that says what to do, before login too, and nothing is logged as a server error", async () => {
    const w = createWorld();
    for (const path of ["/setup", "/login"]) {
      for (const htmx of [true, false]) {
        const headers: Record<string, string> = { origin: ORIGIN, "content-type": "multipart/form-data; boundary=abc" };
        if (htmx) headers["hx-request"] = "true";
        const page = await new Browser(w.app).request(path, { method: "POST", headers, body: "--abc\r\nthis is not a form part" });
        expect(page.status, `${path} htmx=${htmx}`).toBe(400);
        expect(page.text).toContain("The form could not be read");
      }
      if (path === "/setup") await new Browser(w.app).post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    }
    expect(w.logger.lines.some((l) => l.includes("unhandled error"))).toBe(false);
  });

  test("a malformed multipart body is a 400 on the admin's forms too (htmx requests skip the CSRF token, so the route parses first)", async () => {
    const w = await loggedIn();
    for (const path of ["/configurations/new", "/import-license-file/preview"]) {
      const headers = { origin: ORIGIN, "content-type": "multipart/form-data; boundary=abc", "hx-request": "true" };
      const page = await w.admin.request(path, { method: "POST", headers, body: "--abc\r\nthis is not a form part" });
      expect(page.status, path).toBe(400);
      expect(page.text).toContain("The form could not be read");
    }
    expect(w.logger.lines.some((l) => l.includes("unhandled error"))).toBe(false);
  });

  test("bodies over the form limit are refused with 413", async () => {
    const w = await loggedIn();
    const page = await w.admin.post("/change-password", { ...changeForm, padding: "x".repeat(100 * 1024) });
    expect(page.status).toBe(413);
    expect(changed(w)).toBe(false);
  });
});

describe("passwords never leave the server", () => {
  test("no page, fragment or log line contains the password", async () => {
    const w = await loggedIn();
    const pages = [
      await w.admin.post("/change-password", { currentPassword: PASSWORD, newPassword: "short", confirmPassword: "short" }),
      await w.admin.post("/change-password", { currentPassword: "wrong but long enough", newPassword: NEW, confirmPassword: NEW }),
      await w.admin.get("/change-password"),
      await new Browser(w.app, "192.0.2.200").post("/login", { password: "some wrong password" }),
    ];
    for (const page of pages) {
      expect(page.text).not.toContain(PASSWORD);
      expect(page.text).not.toContain("some wrong password");
      expect(page.text).not.toContain("wrong but long enough");
    }
    const log = w.logger.lines.join("\n");
    for (const secret of [PASSWORD, NEW, "some wrong password", w.admin.cookies.get("lts_session")!]) expect(log).not.toContain(secret);
  });
});

describe("TLS and base path", () => {
  test("with TLS the cookie is Secure and __Host- prefixed, and HSTS is sent", async () => {
    const w = createWorld({ flags: { tlsCert: "/x/cert.pem", tlsKey: "/x/key.pem" } });
    const browser = new Browser(w.app);
    await browser.post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    const page = await browser.post("/login", { password: PASSWORD });
    const cookie = page.res.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^__Host-lts_session=/);
    expect(cookie).toMatch(/Secure/);
    expect(page.header("strict-transport-security")).toContain("max-age=31536000");
    expect((await browser.get("/")).doc.querySelector(".banner-warn")).toBeNull();
  });

  test("behind a listed HTTPS proxy the cookie is Secure and HSTS is sent; a forged X-Forwarded-Proto from elsewhere changes nothing", async () => {
    const w = createWorld({ flags: { trustProxy: "10.0.0.2" } });
    const proxied = new Browser(w.app, "10.0.0.2");
    const https = { "x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.4" };
    await proxied.post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD }, { headers: https });
    const login = await proxied.post("/login", { password: PASSWORD }, { headers: https });
    expect(login.res.headers.getSetCookie()[0]).toMatch(/; Secure/);
    expect(login.header("strict-transport-security")).toContain("max-age=31536000");
    expect((await proxied.get("/", https)).doc.querySelector(".banner-warn")).toBeNull();

    const direct = new Browser(w.app, "10.0.0.3");
    const forged = await direct.post("/login", { password: PASSWORD }, { headers: https });
    expect(forged.res.headers.getSetCookie()[0]).not.toMatch(/Secure/);
    expect(forged.header("strict-transport-security")).toBeNull();
    const plain = await proxied.post("/login", { password: PASSWORD }, { headers: { "x-forwarded-proto": "http" } });
    expect(plain.header("strict-transport-security")).toBeNull();
  });

  test("over plain HTTP to a LAN address the portal says so", async () => {
    const w = await loggedIn();
    const res = await w.app.request("http://10.1.2.3:48080/login", { headers: { host: "10.1.2.3:48080" } });
    expect(await res.text()).toContain("served over plain HTTP");
  });

  test("under --base-path everything, links and cookie included, lives under that path", async () => {
    const w = createWorld({ flags: { basePath: "/lts/" } });
    const browser = new Browser(w.app);
    expect((await browser.get("/lts/index")).header("location")).toBe("/lts/setup");
    expect((await browser.get("/index")).status).toBe(404);
    const setup = await browser.get("/lts/setup");
    expect(setup.doc.querySelector("#setup-form")!.getAttribute("hx-post")).toBe("/lts/setup");
    expect(setup.doc.querySelector('link[rel="stylesheet"]')!.getAttribute("href")).toMatch(/^\/lts\/static\/app\.css\?v=/);
    expect((await browser.post("/lts/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD })).header("hx-redirect")).toBe("/lts/login?notice=setup-done");
    const login = await browser.post("/lts/login", { password: PASSWORD });
    expect(login.res.headers.getSetCookie()[0]).toMatch(/Path=\/lts/);
    expect(login.header("hx-redirect")).toBe("/lts/");
    const home = await browser.get("/lts/");
    expect(home.status).toBe(200);
    expect([...home.doc.querySelectorAll(".menu a")].map((a) => a.getAttribute("href"))).toEqual(["/lts/", "/lts/generate-uuid", "/lts/import-license-file", "/lts/license-items", "/lts/configurations", "/lts/email-config", "/lts/alert-history", "/lts/backups", "/lts/audit-log", "/lts/change-password"]);
  });
});

describe("the client API's limit on wrong session passwords", () => {
  test("counts an IPv6 client by its /64, so rotating addresses inside it does not escape code 3", async () => {
    const api = await apiWorld();
    updateCode(api.w, CODE, { sessionPasswordMac: api.w.deps.instanceKey.mac("pw") });
    for (let i = 1; i <= 10; i++) expect((await api.authorize({ sessionPassword: `guess-${i}` }, { ip: `2001:db8:7:7::${i}` })).body.error.code).toBe(102);
    expect((await api.authorize({ sessionPassword: "pw" }, { ip: "2001:db8:7:7:abcd::1" })).body.error.code).toBe(3);
    expect((await api.authorize({ sessionPassword: "pw" }, { ip: "2001:db8:7:8::1" })).status).toBe(200);
  });
});
