import { describe, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { closeDatabase } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { GroupCommit } from "../../src/db/group-commit";
import { auditEvents } from "../../src/db/schema";
import { tempDir } from "../helpers/temp";

const fileDb = () => openDataDir(tempDir("lts-group-"));
const insert = (db: ReturnType<typeof fileDb>, action: string) => db.insert(auditEvents).values({ at: new Date(), actor: "system", action }).run();
const rows = (db: ReturnType<typeof fileDb>) => db.select({ n: count() }).from(auditEvents).get()!.n;

describe("group commit", () => {
  test("work queued in one turn of the event loop shares one commit, and each caller gets its result", async () => {
    const db = fileDb();
    const group = new GroupCommit(db);
    let commits = 0;
    const original = db.$client.run.bind(db.$client);
    db.$client.run = ((sql: string, ...rest: never[]) => {
      if (sql === "COMMIT") commits++;
      return original(sql, ...rest);
    }) as typeof db.$client.run;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => group.run(() => (insert(db, `a${i}`), i))));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(commits).toBe(1);
    expect(rows(db)).toBe(50);
    closeDatabase(db);
  });

  test("a caller is answered only after its work is committed", async () => {
    const db = fileDb();
    const group = new GroupCommit(db);
    const pending = group.run(() => insert(db, "x"));
    expect(db.$client.inTransaction).toBe(false); // nothing has started yet: it waits for the batch
    await pending;
    expect(db.$client.inTransaction).toBe(false);
    const other = openDataDir(db.$client.filename.replace(/\/lts\.db$/, "")); // a second connection sees it
    expect(rows(other)).toBe(1);
    closeDatabase(other);
    closeDatabase(db);
  });

  test("work that throws rolls back alone; the rest of the batch commits", async () => {
    const db = fileDb();
    const group = new GroupCommit(db);
    const outcomes = await Promise.allSettled([
      group.run(() => insert(db, "kept-1")),
      group.run(() => {
        insert(db, "lost");
        throw new Error("bad request");
      }),
      group.run(() => insert(db, "kept-2")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(db.select().from(auditEvents).all().map((e) => e.action)).toEqual(["kept-1", "kept-2"]);
    closeDatabase(db);
  });

  test("when the commit fails, every caller of the batch gets the error and nothing is kept", async () => {
    const db = fileDb();
    const group = new GroupCommit(db);
    const original = db.$client.run.bind(db.$client);
    db.$client.run = ((sql: string, ...rest: never[]) => {
      if (sql === "COMMIT") throw new Error("disk I/O error");
      return original(sql, ...rest);
    }) as typeof db.$client.run;
    const outcomes = await Promise.allSettled([group.run(() => insert(db, "a")), group.run(() => insert(db, "b"))]);
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    db.$client.run = original as typeof db.$client.run;
    expect(rows(db)).toBe(0);
    expect(db.$client.inTransaction).toBe(false);
    closeDatabase(db);
  });

  test("refuses asynchronous work, rolling it back", async () => {
    const db = fileDb();
    const group = new GroupCommit(db);
    await expect(group.run(async () => insert(db, "async"))).rejects.toThrow(/synchronous/);
    expect(rows(db)).toBe(0);
    closeDatabase(db);
  });
});

describe("group commit on a full disk", () => {
  test("work that hits SQLITE_FULL (max_page_count) ends the transaction: it and the work before it are refused, the rest commits in the next batch, later batches work", async () => {
    const db = fileDb();
    const group = new GroupCommit(db);
    const pages = db.$client.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
    db.$client.run(`PRAGMA max_page_count = ${pages + 2}`);
    const big = () => db.$client.run("INSERT INTO audit_events (at, actor, action) VALUES (0, 'system', ?)", ["big" + "x".repeat(64 * 1024)]);
    const outcomes = await Promise.allSettled([group.run(() => insert(db, "a")), group.run(big), group.run(() => insert(db, "b"))]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    for (const o of outcomes.slice(0, 2)) expect(((o as PromiseRejectedResult).reason as { code: string }).code).toBe("SQLITE_FULL");
    expect(db.$client.inTransaction).toBe(false);
    expect(db.select({ action: auditEvents.action }).from(auditEvents).all()).toEqual([{ action: "b" }]);
    db.$client.run("PRAGMA max_page_count = 1073741823");
    await group.run(big);
    expect(rows(db)).toBe(2);
    closeDatabase(db);
  });

  test("when SQLite ends the whole transaction, the batch's done work is refused too, the rest runs in the next batch, nothing is left open", async () => {
    const db = fileDb();
    const group = new GroupCommit(db);
    const failing = () => {
      db.$client.run("ROLLBACK"); // what SQLite may do itself after SQLITE_FULL or an I/O error
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    };
    const outcomes = await Promise.allSettled([group.run(() => insert(db, "a")), group.run(failing), group.run(() => insert(db, "c"))]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "fulfilled"]);
    expect(db.$client.inTransaction).toBe(false);
    expect(db.select({ action: auditEvents.action }).from(auditEvents).all()).toEqual([{ action: "c" }]);
    closeDatabase(db);
  });
});
