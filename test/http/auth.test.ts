import { describe, expect, test } from "bun:test";
import { auditEvents, sessions } from "../../src/db/schema";
import { Browser, PASSWORD, setUpAndLogIn, textOf } from "../helpers/browser";
import { createWorld, FakeHasher } from "../helpers/world";

async function withPassword(flags?: Record<string, string>) {
  const world = createWorld({ flags });
  const admin = new Browser(world.app);
  await admin.post("/setup", { token: world.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
  return { ...world, admin };
}

const actions = (w: { db: ReturnType<typeof createWorld>["db"] }) => w.db.select().from(auditEvents).all().map((e) => e.action);

describe("login", () => {
  test("the right password starts a session with an HttpOnly, SameSite=Strict cookie and opens Home", async () => {
    const w = await withPassword();
    const page = await w.admin.post("/login", { password: PASSWORD });
    expect(page.header("hx-redirect")).toBe("/");
    const cookie = page.res.headers.getSetCookie().find((c) => c.startsWith("lts_session="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP: a Secure cookie would be dropped
    const home = await w.admin.get("/");
    expect(home.status).toBe(200);
    expect(textOf(home, "h1")).toBe("Home");
    expect(actions(w)).toContain("login.succeeded");
  });

  test("a wrong password is refused with 422, audited, and no session starts", async () => {
    const w = await withPassword();
    const page = await w.admin.post("/login", { password: "not the password at all" });
    expect(page.status).toBe(422);
    expect(textOf(page, "#field-password-error")).toMatch(/not right/);
    expect(w.admin.cookies.size).toBe(0);
    expect(actions(w)).toContain("login.failed");
    expect((await w.admin.get("/")).header("location")).toBe("/login");
  });

  test("the session id is 256 random bits and only its hash is stored", async () => {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    const token = w.admin.cookies.get("lts_session")!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = w.db.select().from(sessions).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.idHash).not.toBe(token);
    expect(stored[0]!.idHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test("logging in again rotates the session id and ends the old one", async () => {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    const first = w.admin.cookies.get("lts_session")!;
    await w.admin.post("/login", { password: PASSWORD });
    const second = w.admin.cookies.get("lts_session")!;
    expect(second).not.toBe(first);
    expect(w.db.select().from(sessions).all()).toHaveLength(1);
    const stale = new Browser(w.app);
    stale.cookies.set("lts_session", first);
    expect((await stale.get("/")).header("location")).toBe("/login");
  });

  test("after login the browser goes back to the page it asked for, but never off the portal", async () => {
    const w = await withPassword();
    const asked = await w.admin.get("/change-password");
    expect(asked.header("location")).toBe("/login?next=%2Fchange-password");
    expect((await w.admin.post("/login?next=%2Fchange-password", { password: PASSWORD })).header("hx-redirect")).toBe("/change-password");
    for (const evil of ["//evil.example/", "https://evil.example/", "/\\evil.example"]) {
      const other = new Browser(w.app);
      const page = await other.post(`/login?next=${encodeURIComponent(evil)}`, { password: PASSWORD });
      expect(page.header("hx-redirect")).toBe("/");
    }
  });

  test("200 random session cookies are all rejected", async () => {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    for (let i = 0; i < 200; i++) {
      const forger = new Browser(w.app);
      forger.cookies.set("lts_session", crypto.getRandomValues(new Uint8Array(32)).toBase64({ alphabet: "base64url", omitPadding: true }));
      expect((await forger.get("/")).status).toBe(303);
    }
  });
});

describe("login throttling", () => {
  test("after 5 failures in a minute one address gets 429 with Retry-After, before any hashing", async () => {
    const hasher = new FakeHasher();
    const w = createWorld({ hasher });
    const admin = new Browser(w.app);
    await admin.post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    const attacker = new Browser(w.app, "198.51.100.7");
    for (let i = 0; i < 5; i++) expect((await attacker.post("/login", { password: `guess number ${i}` })).status).toBe(422);
    const verifiesBefore = hasher.verifies;
    for (let i = 0; i < 20; i++) {
      const page = await attacker.post("/login", { password: PASSWORD });
      expect(page.status).toBe(429);
      expect(Number(page.header("retry-after"))).toBeGreaterThan(0);
      expect(textOf(page, ".notice-error")).toMatch(/Too many attempts/);
    }
    expect(hasher.verifies).toBe(verifiesBefore); // refused before hashing
    // Another address is not affected, and there is no permanent lockout.
    expect((await new Browser(w.app, "198.51.100.8").post("/login", { password: PASSWORD })).header("hx-redirect")).toBe("/");
    w.clock.advance(31_000);
    expect((await attacker.post("/login", { password: PASSWORD })).header("hx-redirect")).toBe("/");
  });

  test("each lock in a row is longer than the last", async () => {
    const w = await withPassword();
    const attacker = new Browser(w.app, "198.51.100.9");
    const lockAfterFiveFailures = async () => {
      for (let i = 0; i < 5; i++) await attacker.post("/login", { password: `wrong password ${i}` });
      const page = await attacker.post("/login", { password: "wrong again!!" });
      expect(page.status).toBe(429);
      return Number(page.header("retry-after"));
    };
    const first = await lockAfterFiveFailures();
    w.clock.advance(first * 1000);
    const second = await lockAfterFiveFailures();
    expect(second).toBeGreaterThan(first);
  });

  test("X-Forwarded-For is ignored without --trust-proxy", async () => {
    const w = await withPassword();
    const attacker = new Browser(w.app, "198.51.100.10");
    for (let i = 0; i < 6; i++) {
      const page = await attacker.post("/login", { password: `wrong password ${i}` }, { headers: { "x-forwarded-for": `203.0.113.${i}` } });
      if (i === 5) expect(page.status).toBe(429);
    }
  });

  test("an IPv6 client counts by its /64: rotating addresses inside it does not escape the lock", async () => {
    const w = await withPassword();
    for (let i = 1; i <= 5; i++) expect((await new Browser(w.app, `2001:db8:1:2::${i}`).post("/login", { password: `wrong password ${i}` })).status).toBe(422);
    expect((await new Browser(w.app, "2001:db8:1:2:ffff::99").post("/login", { password: PASSWORD })).status).toBe(429);
    expect((await new Browser(w.app, "2001:db8:1:3::1").post("/login", { password: PASSWORD })).header("hx-redirect")).toBe("/");
  });

  describe("behind --trust-proxy", () => {
    const PROXY = "10.0.0.2";
    const through = (w: { app: ReturnType<typeof createWorld>["app"] }, forwardedFor: string, peer = PROXY) => {
      const browser = new Browser(w.app, peer);
      return (password: string) => browser.post("/login", { password }, { headers: { "x-forwarded-for": forwardedFor } });
    };

    test("each client behind the proxy has its own lock", async () => {
      const w = await withPassword({ trustProxy: "127.0.0.1,10.0.0.0/8" });
      const attacker = through(w, "203.0.113.5");
      for (let i = 0; i < 5; i++) expect((await attacker(`wrong password ${i}`)).status).toBe(422);
      expect((await attacker(PASSWORD)).status).toBe(429);
      expect((await through(w, "203.0.113.6")(PASSWORD)).header("hx-redirect")).toBe("/");
      expect(w.db.select().from(sessions).all().at(-1)!.ip).toBe("203.0.113.6");
    });

    test("a client cannot escape its lock by sending its own X-Forwarded-For: the right-most untrusted address counts", async () => {
      const w = await withPassword({ trustProxy: "127.0.0.1,10.0.0.0/8" });
      for (let i = 0; i < 5; i++) await through(w, `198.51.100.${i}, 203.0.113.5, 10.0.0.9`)(`wrong password ${i}`);
      expect((await through(w, "198.51.100.77, 203.0.113.5, 10.0.0.9")(PASSWORD)).status).toBe(429);
    });

    test("X-Forwarded-For from a peer that is not a listed proxy is ignored", async () => {
      const w = await withPassword({ trustProxy: "127.0.0.1" });
      for (let i = 0; i < 5; i++) await through(w, `203.0.113.${i}`, "198.51.100.10")(`wrong password ${i}`);
      expect((await through(w, "203.0.113.99", "198.51.100.10")(PASSWORD)).status).toBe(429);
    });
  });

  test("many addresses together are capped at 10 password checks a second", async () => {
    const hasher = new FakeHasher();
    const w = createWorld({ hasher });
    await new Browser(w.app).post("/setup", { token: w.setupToken, password: PASSWORD, confirmPassword: PASSWORD });
    w.clock.advance(1000); // the setup token's check spent one of this second's checks
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await new Browser(w.app, `203.0.113.${i}`).post("/login", { password: "wrong password here" })).status);
    expect(statuses.filter((s) => s === 422)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect(hasher.verifies).toBe(10);
    w.clock.advance(1000);
    expect((await new Browser(w.app, "203.0.113.99").post("/login", { password: PASSWORD })).header("hx-redirect")).toBe("/");
  });
});

describe("the admin's known browser (device cookie)", () => {
  /** The admin logs in once (so the browser holds a device cookie) and out again; then 25 addresses drain the global limit. */
  async function globalLimitDrained() {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    await w.admin.post("/logout", {});
    w.clock.advance(1000);
    for (let i = 0; i < 25; i++) await new Browser(w.app, `203.0.113.${i}`).post("/login", { password: "wrong password here" });
    expect((await new Browser(w.app, "198.51.100.50").post("/login", { password: PASSWORD })).status).toBe(429);
    return w;
  }

  test("a successful login sets a long-lived HttpOnly, SameSite=Strict device cookie", async () => {
    const w = await withPassword();
    const page = await w.admin.post("/login", { password: PASSWORD });
    const cookie = page.res.headers.getSetCookie().find((c) => c.startsWith("lts_device="))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(Number(/Max-Age=(\d+)/.exec(cookie)![1])).toBeGreaterThanOrEqual(180 * 86_400);
    expect((await new Browser(w.app).post("/login", { password: "a wrong password" })).res.headers.getSetCookie().some((c) => c.startsWith("lts_device="))).toBe(false);
  });

  test("while many addresses drain the global limit, the admin's browser still logs in; an absent or forged cookie does not", async () => {
    const w = await globalLimitDrained();
    const device = w.admin.cookies.get("lts_device")!;
    const [id, mac] = device.split(".");
    for (const forged of [undefined, `${id}.${"A".repeat(43)}`, `${"B".repeat(22)}.${mac}`, `${id}`, "garbage"]) {
      const stranger = new Browser(w.app, w.admin.ip);
      if (forged) stranger.cookies.set("lts_device", forged);
      expect((await stranger.post("/login", { password: PASSWORD })).status, String(forged)).toBe(429);
    }
    expect((await w.admin.post("/login", { password: PASSWORD })).header("hx-redirect")).toBe("/");
    expect((await w.admin.get("/")).status).toBe(200);
  });

  test("failures with a device cookie count against that device, which is locked after 5", async () => {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    await w.admin.post("/logout", {});
    for (let i = 0; i < 5; i++) expect((await w.admin.post("/login", { password: `wrong password ${i}` })).status).toBe(422);
    const locked = await w.admin.post("/login", { password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(Number(locked.header("retry-after"))).toBeGreaterThan(0);
    // The address itself was not charged with the device's failures.
    expect((await new Browser(w.app, w.admin.ip).post("/login", { password: PASSWORD })).header("hx-redirect")).toBe("/");
  });
});

describe("sessions", () => {
  test("a session ends after 30 idle minutes", async () => {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    w.clock.advance(29 * 60_000);
    expect((await w.admin.get("/")).status).toBe(200);
    w.clock.advance(30 * 60_000 + 1000);
    expect((await w.admin.get("/")).header("location")).toBe("/login");
    expect(w.db.select().from(sessions).all()).toHaveLength(0);
  });

  test("a session ends 12 hours after login however busy it is", async () => {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
      w.clock.advance(20 * 60_000);
      expect((await w.admin.get("/")).status).toBe(200);
    }
    // 11 h 40 min after login, never idle for 20 min: just before 12 h it still works, just after it ends.
    w.clock.advance(20 * 60_000 - 1000);
    expect((await w.admin.get("/")).status).toBe(200);
    w.clock.advance(2000);
    expect((await w.admin.get("/")).header("location")).toBe("/login");
  });

  test("the timeouts follow the configuration", async () => {
    const w = await withPassword({ sessionIdleMinutes: "5" });
    await w.admin.post("/login", { password: PASSWORD });
    w.clock.advance(6 * 60_000);
    expect((await w.admin.get("/")).header("location")).toBe("/login");
  });

  test("logout ends the session on the server and clears the cookie", async () => {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    const token = w.admin.cookies.get("lts_session")!;
    const page = await w.admin.post("/logout", {});
    expect(page.header("hx-redirect")).toBe("/login?notice=logged-out");
    expect(w.admin.cookies.has("lts_session")).toBe(false);
    expect(w.db.select().from(sessions).all()).toHaveLength(0);
    const replay = new Browser(w.app);
    replay.cookies.set("lts_session", token);
    expect((await replay.get("/")).header("location")).toBe("/login");
    expect(actions(w)).toContain("logout");
  });
});

describe("change password", () => {
  async function loggedInTwice() {
    const w = await withPassword();
    await w.admin.post("/login", { password: PASSWORD });
    const elsewhere = new Browser(w.app, "192.0.2.77");
    await elsewhere.post("/login", { password: PASSWORD });
    return { ...w, elsewhere };
  }
  const NEW = "a brand new long password";

  test("needs the current password, keeps this session, ends the others, and is audited", async () => {
    const w = await loggedInTwice();
    const page = await w.admin.post("/change-password", { currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW });
    expect(page.header("hx-redirect")).toBe("/change-password?ended=1");
    const after = await w.admin.get("/change-password?ended=1");
    expect(textOf(after, ".notice-ok")).toMatch(/Password changed. 1 other session/);
    expect((await w.elsewhere.get("/")).header("location")).toBe("/login");
    expect(actions(w)).toContain("password.changed");
    const fresh = new Browser(w.app, "192.0.2.88");
    expect((await fresh.post("/login", { password: PASSWORD })).status).toBe(422);
    expect((await fresh.post("/login", { password: NEW })).header("hx-redirect")).toBe("/");
  });

  test("gives this browser a new session id: the old one no longer works", async () => {
    const w = await loggedInTwice();
    const before = w.admin.cookies.get("lts_session")!;
    const page = await w.admin.post("/change-password", { currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW });
    expect(page.res.headers.getSetCookie().find((c) => c.startsWith("lts_session="))).toMatch(/HttpOnly/);
    const after = w.admin.cookies.get("lts_session")!;
    expect(after).not.toBe(before);
    expect((await w.admin.get("/change-password?ended=1")).status).toBe(200);
    const stale = new Browser(w.app);
    stale.cookies.set("lts_session", before);
    expect((await stale.get("/")).header("location")).toBe("/login");
    expect(w.db.select().from(sessions).all()).toHaveLength(1);
  });

  const refusals: [string, Record<string, string>, string, RegExp][] = [
    ["a wrong current password", { currentPassword: "not my password!", newPassword: NEW, confirmPassword: NEW }, "currentPassword", /not the current password/],
    ["a short new password", { currentPassword: PASSWORD, newPassword: "short", confirmPassword: "short" }, "newPassword", /at least 12/],
    ["two different new passwords", { currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW + "x" }, "confirmPassword", /differ/],
    ["the same password again", { currentPassword: PASSWORD, newPassword: PASSWORD, confirmPassword: PASSWORD }, "newPassword", /must differ/],
    ["an empty form", {}, "currentPassword", /current password/],
  ];
  for (const [what, form, field, message] of refusals) {
    test(`refuses ${what} with 422 beside the field and changes nothing`, async () => {
      const w = await loggedInTwice();
      const page = await w.admin.post("/change-password", form);
      expect(page.status).toBe(422);
      expect(textOf(page, `#field-${field}-error`)).toMatch(message);
      expect(page.text).not.toContain(PASSWORD);
      expect((await w.elsewhere.get("/")).status).toBe(200);
      expect(actions(w)).not.toContain("password.changed");
    });
  }

  test("anonymous visitors cannot reach it", async () => {
    const w = await withPassword();
    const anonymous = new Browser(w.app);
    expect((await anonymous.get("/change-password")).status).toBe(303);
    const post = await anonymous.post("/change-password", { currentPassword: PASSWORD, newPassword: NEW, confirmPassword: NEW });
    expect(post.header("hx-redirect")).toMatch(/^\/login/);
    expect(actions(w)).not.toContain("password.changed");
  });
});
