import { describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { adminCredentials, auditEvents } from "../../src/db/schema";
import { Browser, PASSWORD, textOf } from "../helpers/browser";
import { createWorld, FakeHasher } from "../helpers/world";

describe("first run", () => {
  test("every portal page leads to the setup page until a password exists", async () => {
    const { app } = createWorld();
    const browser = new Browser(app);
    for (const path of ["/", "/index", "/change-password", "/login", "/no-such-page"]) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(303);
      expect(page.header("location"), path).toBe("/setup");
    }
    const htmx = await browser.get("/", { "hx-request": "true" });
    expect(htmx.header("hx-redirect")).toBe("/setup");
  });

  test("the setup page asks for the token in a text field named token and the new password", async () => {
    const { app, setupToken } = createWorld();
    const page = await new Browser(app).get("/setup");
    expect(page.status).toBe(200);
    expect(page.doc.querySelector('input[name="token"]')?.getAttribute("type")).toBe("text");
    expect(page.doc.querySelector('input[name="password"]')?.getAttribute("type")).toBe("password");
    expect(page.doc.querySelector('input[name="confirmPassword"]')?.getAttribute("type")).toBe("password");
    expect(page.text).not.toContain(setupToken);
  });

  test("the setup page names the token file but not the data dir's path, which only the console shows", async () => {
    const { app, dataDir } = createWorld();
    const page = await new Browser(app).get("/setup");
    expect(textOf(page, ".lead")).toContain("the file setup-token in the server's data dir");
    expect(page.text).not.toContain(dataDir);
    const refused = await new Browser(app).post("/setup", { token: "wrong", password: PASSWORD, confirmPassword: PASSWORD, _csrf: "anonymous-csrf-token-for-tests" }, { htmx: false });
    expect(refused.status).toBe(422);
    expect(refused.text).not.toContain(dataDir);
  });

  test("sets the password with the right token, consumes the token, and sends the admin to log in", async () => {
    const { app, setupToken, db, deps } = createWorld();
    const tokenFile = deps.setupToken.path;
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const page = await new Browser(app).post("/setup", { token: setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    expect(page.header("hx-redirect")).toBe("/login?notice=setup-done");
    expect(db.select().from(adminCredentials).all()).toHaveLength(1);
    expect(db.select().from(auditEvents).all().map((e) => e.action)).toEqual(["setup.completed"]);
    expect(existsSync(tokenFile)).toBe(false);
    expect(deps.setupToken.matches(setupToken)).toBe(false);
  });

  test("a plain (non-htmx) form post gets a 303 to the login page", async () => {
    const { app, setupToken } = createWorld();
    const page = await new Browser(app).post(
      "/setup",
      { token: setupToken, password: PASSWORD, confirmPassword: PASSWORD, _csrf: "anonymous-csrf-token-for-tests" },
      { htmx: false },
    );
    expect(page.status).toBe(303);
    expect(page.header("location")).toBe("/login?notice=setup-done");
  });

  const refusals: [string, Record<string, string>, string, RegExp][] = [
    ["a wrong token", { token: "not-the-token", password: PASSWORD, confirmPassword: PASSWORD }, "token", /not the setup token/],
    ["no token", { token: "", password: PASSWORD, confirmPassword: PASSWORD }, "token", /Paste the setup token/],
    ["a password of 11 characters", { password: "abcdefghijk", confirmPassword: "abcdefghijk" }, "password", /at least 12 characters/],
    ["a common password", { password: "password1234", confirmPassword: "password1234" }, "password", /too common/],
    ["two different passwords", { password: PASSWORD, confirmPassword: PASSWORD + "!" }, "confirmPassword", /differ/],
  ];
  for (const [what, form, field, message] of refusals) {
    test(`refuses ${what} with 422, says why beside the field, and changes nothing`, async () => {
      const { app, setupToken, db } = createWorld();
      const page = await new Browser(app).post("/setup", { token: setupToken, ...form });
      expect(page.status).toBe(422);
      expect(textOf(page, `#field-${field}-error`)).toMatch(message);
      expect(page.doc.querySelector("#setup-form")).not.toBeNull();
      expect(page.text).not.toContain(PASSWORD);
      expect(db.select().from(adminCredentials).all()).toHaveLength(0);
    });
  }

  test("exactly one of many simultaneous setups wins; the others are told it is already done", async () => {
    const { app, setupToken, db } = createWorld({ hasher: new FakeHasher(20) });
    const attempts = Array.from({ length: 6 }, (_, i) =>
      new Browser(app, `192.0.2.${20 + i}`).post("/setup", { token: setupToken, password: `${PASSWORD} ${i}`, confirmPassword: `${PASSWORD} ${i}` }),
    );
    const pages = await Promise.all(attempts);
    const winners = pages.filter((p) => p.header("hx-redirect"));
    expect(winners).toHaveLength(1);
    for (const loser of pages.filter((p) => !p.header("hx-redirect"))) {
      expect([404, 409, 422]).toContain(loser.status);
    }
    expect(db.select().from(adminCredentials).all()).toHaveLength(1);
    expect(db.select().from(auditEvents).all().filter((e) => e.action === "setup.completed")).toHaveLength(1);
  });

  test("once the password is set the setup page is gone", async () => {
    const { app, setupToken } = createWorld();
    const browser = new Browser(app);
    await browser.post("/setup", { token: setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    expect((await browser.get("/setup")).status).toBe(404);
    expect((await browser.post("/setup", { token: setupToken, password: "another long password", confirmPassword: "another long password" })).status).toBe(404);
    expect((await browser.get("/")).header("location")).toBe("/login");
  });

  test("wrong tokens are throttled like wrong passwords", async () => {
    const { app } = createWorld();
    const browser = new Browser(app);
    for (let i = 0; i < 5; i++) expect((await browser.post("/setup", { token: `guess-${i}`, password: PASSWORD, confirmPassword: PASSWORD })).status).toBe(422);
    const sixth = await browser.post("/setup", { token: "guess-6", password: PASSWORD, confirmPassword: PASSWORD });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.header("retry-after"))).toBeGreaterThan(0);
  });
});
