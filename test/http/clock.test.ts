import { describe, expect, test } from "bun:test";
import { apiWorld, authorizeBody, send, type ApiWorld } from "../helpers/api";
import { Browser, setUpAndLogIn, textOf } from "../helpers/browser";

// One scan item that expires on 2026-12-10 with no grace: valid on the 9th, expired from the 10th.
const EXPIRES = "2026-12-10T00:00:00.000Z";
const VALID_DAY = "2026-12-09T00:00:00.000Z";
const EXPIRED_DAY = "2026-12-11T00:00:00.000Z";

async function clockWorld() {
  const api = await apiWorld({ trustedClock: true, items: [{ chargeWay: "scan", expiresAt: EXPIRES, graceDays: 0 }] });
  const admin = new Browser(api.w.app, "192.0.2.33");
  await setUpAndLogIn(admin, api.w.setupToken);
  return { api, admin };
}

/** Authorizes as device-0001; the answer's serverTime is the server's trusted time, checked by the caller. */
async function authorize(api: ApiWorld) {
  const answer = await send(api.w, "/api/v1/authorize", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(authorizeBody()) });
  expect(answer.signed).toBe(true);
  return answer;
}

async function health(api: ApiWorld) {
  const res = await api.w.app.request("/healthz");
  return { status: res.status, body: (await res.json()) as { status: string; clock: string; latestSeen: string } };
}

/** Logs in again (the clock moved by days, so the session went idle) and reads Home. */
async function home(admin: Browser, api: ApiWorld) {
  admin.cookies.clear();
  await admin.post("/login", { password: "correct horse battery staple" });
  return admin.get("/");
}

describe("clock rollback", () => {
  test("setting the clock back two days after an item expired: banner, /healthz rolled-back, authorize still 111; forward again: normal", async () => {
    const { api, admin } = await clockWorld();
    const { clock } = api.w;

    clock.set(VALID_DAY);
    expect((await authorize(api)).status).toBe(200);
    clock.set(EXPIRED_DAY);
    const expired = await authorize(api);
    expect(expired.body.error.code).toBe(111);

    // Back to a day the item was valid on: it stays expired.
    clock.set(VALID_DAY);
    const back = await authorize(api);
    expect(back.status).toBe(403);
    expect(back.body.error.code).toBe(111);
    expect(back.body.serverTime).toBe(EXPIRED_DAY);
    expect(await health(api)).toEqual({ status: 200, body: expect.objectContaining({ status: "ok", clock: "rolled-back", latestSeen: EXPIRED_DAY }) });
    const page = await home(admin, api);
    expect(page.status).toBe(200);
    expect(textOf(page, "#clock-rollback")).toContain("Clock rolled back: this machine's clock is 2 d behind the latest time this server has seen");
    expect(textOf(page, "#clock-rollback")).toContain("2026-12-11 00:00:00 UTC");

    // Time passes while rolled back: the trusted time moves on from the latest time seen.
    clock.advance(3_600_000);
    expect((await authorize(api)).body.serverTime).toBe("2026-12-11T01:00:00.000Z");

    // Set right: no banner, the wall clock is used again, and the item is of course still expired.
    clock.set("2026-12-11T01:00:00.000Z");
    expect((await health(api)).body).toMatchObject({ clock: "ok", latestSeen: "2026-12-11T01:00:00.000Z" });
    expect(textOf(await home(admin, api), "#clock-rollback")).toBeNull();
    const after = await authorize(api);
    expect(after.body.error.code).toBe(111);
    expect(after.body.serverTime).toBe("2026-12-11T01:00:00.000Z");
    expect(api.w.logger.lines.some((l) => l.includes("clock rolled back"))).toBe(true);
  });

  test("a skew of a few minutes back is tolerated silently: no banner, the wall clock is used", async () => {
    const { api, admin } = await clockWorld();
    const { clock } = api.w;
    clock.set("2026-12-09T23:59:00.000Z");
    await authorize(api);
    clock.set("2026-12-09T23:56:00.000Z");
    const answer = await authorize(api);
    expect(answer.status).toBe(200);
    expect(answer.body.serverTime).toBe("2026-12-09T23:56:00.000Z");
    expect((await health(api)).body).toMatchObject({ clock: "ok", latestSeen: "2026-12-09T23:59:00.000Z" });
    expect(textOf(await home(admin, api), "#clock-rollback")).toBeNull();
    expect(api.w.logger.lines.some((l) => l.includes("clock rolled back"))).toBe(false);
  });

  test("a jump forward is logged and raises the latest time seen for good", async () => {
    const { api } = await clockWorld();
    api.w.clock.set("2027-11-28T12:00:00.000Z");
    expect((await health(api)).body).toMatchObject({ clock: "ok", latestSeen: "2027-11-28T12:00:00.000Z" });
    expect(api.w.logger.lines.some((l) => l.includes('"clock jumped forward by 365 d"'))).toBe(true);
    api.w.clock.set("2026-11-28T12:00:00.000Z");
    expect((await health(api)).body).toMatchObject({ clock: "rolled-back", latestSeen: "2027-11-28T12:00:00.000Z" });
  });
});
