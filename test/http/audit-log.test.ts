import { describe, expect, test } from "bun:test";
import { auditEvents } from "../../src/db/schema";
import type { AuditActor } from "../../src/db/schema";
import { Browser, setUpAndLogIn, textOf, type Page } from "../helpers/browser";
import { createWorld } from "../helpers/world";

const MINUTE = 60_000;
const START = Date.parse("2026-11-01T00:00:00.000Z");

/** A logged-in admin and `n` audit events one minute apart from 2026-11-01, cycling through kinds. */
async function withEvents(n: number) {
  const w = createWorld();
  const admin = new Browser(w.app);
  await setUpAndLogIn(admin, w.setupToken);
  const kinds: { action: string; actor: AuditActor; ip: string | null }[] = [
    { action: "login.succeeded", actor: "admin", ip: "192.0.2.10" },
    { action: "login.failed", actor: "anonymous", ip: "203.0.113.5" },
    { action: "handshake-code.edited", actor: "admin", ip: "192.0.2.10" },
    { action: "backup.created", actor: "system", ip: null },
    { action: "password.reset", actor: "console", ip: null },
  ];
  w.db.transaction((tx) => {
    for (let i = 0; i < n; i++) {
      const kind = kinds[i % kinds.length]!;
      tx.insert(auditEvents).values({ at: new Date(START + i * MINUTE), ...kind, detail: JSON.stringify({ n: i }) }).run();
    }
  });
  return { ...w, admin };
}

const rowsOf = (page: Page) => [...page.doc.querySelectorAll("#audit-log tbody tr")];
/** The `n` of the events the test made (the setup's and login's own events have none). */
const numbersOf = (page: Page) =>
  rowsOf(page)
    .map((r) => r.querySelector(".detail")!.textContent!)
    .filter((d) => d.startsWith('{"n":'))
    .map((d) => JSON.parse(d).n as number);
const olderLink = (page: Page) => page.doc.querySelector('nav.pager a[rel="next"]')?.getAttribute("href") ?? null;

describe("Audit log page", () => {
  test("is in the menu and shows each event's time, action, actor kind, source address and details, newest first", async () => {
    const w = await withEvents(3);
    const page = await w.admin.get("/audit-log");
    expect(page.status).toBe(200);
    expect(page.doc.querySelector('nav.sidebar a[href="/audit-log"]')?.getAttribute("aria-current")).toBe("page");
    // The setup and the login are recorded too, at the world's clock (2026-11-28).
    expect(textOf(page, "#audit-log tbody tr:first-child code")).toBe("login.succeeded");
    const rows = rowsOf(page).map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent!.trim()));
    expect(rows.at(-1)).toEqual(["2026-11-01 00:00:00", "login.succeeded", "admin", "192.0.2.10", '{"n":0}']);
    expect(rows.at(-2)).toEqual(["2026-11-01 00:01:00", "login.failed", "anonymous", "203.0.113.5", '{"n":1}']);
    expect(rows.at(-3)).toEqual(["2026-11-01 00:02:00", "handshake-code.edited", "admin", "192.0.2.10", '{"n":2}']);
  });

  test("with 10,000 events it renders one page of 50; Older shows the next 50, no duplicates, none skipped", async () => {
    const w = await withEvents(10_000);
    const first = await w.admin.get("/audit-log?actor=system");
    expect(rowsOf(first)).toHaveLength(50);
    const page1 = await w.admin.get("/audit-log?action=backup");
    expect(numbersOf(page1)).toEqual(Array.from({ length: 50 }, (_, i) => 9998 - 5 * i));
    const page2 = await w.admin.get(olderLink(page1)!);
    expect(olderLink(page1)).toContain("action=backup");
    expect(numbersOf(page2)).toEqual(Array.from({ length: 50 }, (_, i) => 9998 - 5 * (50 + i)));
    expect(page2.doc.querySelector("nav.pager a:not([rel])")?.getAttribute("href")).toBe("/audit-log?action=backup");

    // Walking the unfiltered log page by page visits the events in order, each once.
    const seen: number[] = [];
    let href: string | null = "/audit-log";
    for (let pages = 0; pages < 5; pages++) {
      const page: Page = await w.admin.get(href!);
      expect(rowsOf(page)).toHaveLength(50);
      seen.push(...numbersOf(page));
      href = olderLink(page);
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => 9999 - i));
    expect(seen.length).toBeGreaterThan(240);
  });

  test("pages by (time, id): events in the same millisecond are neither repeated nor skipped across pages", async () => {
    const w = createWorld();
    const admin = new Browser(w.app);
    await setUpAndLogIn(admin, w.setupToken);
    const at = new Date(START);
    for (let i = 0; i < 120; i++) w.db.insert(auditEvents).values({ at, actor: "system", action: "backup.created", ip: null, detail: JSON.stringify({ n: i }) }).run();
    const seen: number[] = [];
    let href: string | null = "/audit-log?action=backup.created";
    while (href) {
      const page: Page = await admin.get(href);
      seen.push(...numbersOf(page));
      href = olderLink(page);
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 119 - i));
  });

  test("filters by action or prefix, actor and UTC day range", async () => {
    const w = await withEvents(20);
    const actions = async (query: string) => rowsOf(await w.admin.get(`/audit-log?${query}`)).map((r) => r.querySelector("code")!.textContent);
    expect(new Set(await actions("action=login.failed"))).toEqual(new Set(["login.failed"]));
    expect(new Set(await actions("action=login"))).toEqual(new Set(["login.failed", "login.succeeded"]));
    // A prefix is whole dotted words: "log" is not "login".
    expect(await actions("action=log")).toEqual([]);
    expect(new Set(await actions("actor=console"))).toEqual(new Set(["password.reset"]));
    expect(await actions("from=2026-11-02&to=2026-11-27")).toEqual([]);
    expect(numbersOf(await w.admin.get("/audit-log?to=2026-11-01&action=backup"))).toEqual([18, 13, 8, 3]);
    expect(numbersOf(await w.admin.get("/audit-log?from=2026-11-01&to=2026-11-01&actor=console"))).toEqual([19, 14, 9, 4]);
    const filtered = await w.admin.get("/audit-log?action=login&actor=anonymous");
    expect(filtered.doc.querySelector('input[name="action"]')?.getAttribute("value")).toBe("login");
    expect(filtered.doc.querySelector('select[name="actor"] option[selected]')?.textContent).toBe("anonymous");
  });

  test("a filter that does not parse is 422 with the values kept; a damaged page link is 400", async () => {
    const w = await withEvents(5);
    const bad = await w.admin.get("/audit-log?from=yesterday&action=login");
    expect(bad.status).toBe(422);
    expect(bad.doc.querySelector("#field-from-error")?.textContent).toContain("YYYY-MM-DD");
    expect(bad.doc.querySelector('input[name="from"]')?.getAttribute("value")).toBe("yesterday");
    expect(bad.doc.querySelector('input[name="action"]')?.getAttribute("value")).toBe("login");
    expect((await w.admin.get("/audit-log?actor=root")).status).toBe(422);
    expect((await w.admin.get("/audit-log?before=abc")).status).toBe(400);
  });

  test("needs a login", async () => {
    const w = await withEvents(5);
    const page = await new Browser(w.app, "203.0.113.9").get("/audit-log");
    expect(page.status).toBe(303);
    expect(page.header("location")).toMatch(/^\/login/);
  });

  test("a page's query walks the (at) index from the cursor: no sort of the whole history", async () => {
    const w = await withEvents(10);
    const plan = (sql: string) =>
      w.db.$client
        .query<{ detail: string }, []>(`EXPLAIN QUERY PLAN ${sql}`)
        .all()
        .map((r) => r.detail)
        .join(" | ");
    const page = plan("SELECT * FROM audit_events WHERE (at, id) < (1, 1) ORDER BY at DESC, id DESC LIMIT 51");
    expect(page).toContain("audit_events_at");
    expect(page).not.toContain("TEMP B-TREE");
    const filtered = plan("SELECT * FROM audit_events WHERE actor = 'admin' AND at >= 0 AND at < 9 ORDER BY at DESC, id DESC LIMIT 51");
    expect(filtered).not.toContain("TEMP B-TREE");
  });
});
