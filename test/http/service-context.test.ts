import { describe, expect, test } from "bun:test";
import { auditEvents } from "../../src/db/schema";
import { Browser, PASSWORD, setUpAndLogIn } from "../helpers/browser";
import { createWorld, type World } from "../helpers/world";

/** The newest audit row with this action: who acted, from where. */
const lastEvent = (w: World, action: string) => {
  const event = w.db.select().from(auditEvents).all().findLast((e) => e.action === action);
  return event ? { actor: event.actor, ip: event.ip } : null;
};

const setMainUrl = (b: Browser, main: string) => b.post("/configurations/server-url", { main, standby: "", standbyPublicKey: "" });

describe("the request's service context (c.var.ctx)", () => {
  test("before login the actor is anonymous, with the request's address", async () => {
    const w = createWorld();
    const admin = new Browser(w.app, "192.0.2.10");
    await setUpAndLogIn(admin, w.setupToken);
    const stranger = new Browser(w.app, "198.51.100.23");
    expect((await stranger.post("/login", { password: "not the password at all" })).status).toBe(422);
    expect(lastEvent(w, "login.failed")).toEqual({ actor: "anonymous", ip: "198.51.100.23" });
  });

  test("after login the actor is the admin, with the request's address", async () => {
    const w = createWorld();
    const admin = new Browser(w.app, "192.0.2.10");
    await setUpAndLogIn(admin, w.setupToken);
    expect((await setMainUrl(admin, "https://lts.example.com")).header("hx-redirect")).toBe("/configurations?server-url=saved");
    expect(lastEvent(w, "server-url.changed")).toEqual({ actor: "admin", ip: "192.0.2.10" });
  });

  test("every request gets its own: interleaved admin and anonymous requests, and a new address, are each recorded as they came", async () => {
    const w = createWorld();
    const admin = new Browser(w.app, "192.0.2.10");
    await setUpAndLogIn(admin, w.setupToken);
    const stranger = new Browser(w.app, "198.51.100.23");

    await setMainUrl(admin, "https://one.example.com");
    expect(lastEvent(w, "server-url.changed")).toEqual({ actor: "admin", ip: "192.0.2.10" });
    await stranger.post("/login", { password: "wrong" });
    expect(lastEvent(w, "login.failed")).toEqual({ actor: "anonymous", ip: "198.51.100.23" });

    admin.ip = "192.0.2.77"; // the same session from another address
    await setMainUrl(admin, "https://two.example.com");
    expect(lastEvent(w, "server-url.changed")).toEqual({ actor: "admin", ip: "192.0.2.77" });

    await admin.post("/logout", {});
    await admin.post("/login", { password: `${PASSWORD} not` });
    expect(lastEvent(w, "login.failed")).toEqual({ actor: "anonymous", ip: "192.0.2.77" });
  });
});
