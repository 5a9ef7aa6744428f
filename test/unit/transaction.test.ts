import { describe, expect, test } from "bun:test";
import { count } from "drizzle-orm";
import { openMemoryDatabase } from "../../src/db/client";
import { auditEvents } from "../../src/db/schema";
import { transaction } from "../../src/db/transaction";

const insert = (db: ReturnType<typeof openMemoryDatabase>) => db.insert(auditEvents).values({ at: new Date(), actor: "system", action: "test" }).run();
const rows = (db: ReturnType<typeof openMemoryDatabase>) => db.select({ n: count() }).from(auditEvents).get()!.n;

describe("transaction()", () => {
  test("commits what a synchronous callback wrote and returns its result", () => {
    const db = openMemoryDatabase();
    expect(transaction(db, (tx) => (insert(tx), insert(tx), "done"))).toBe("done");
    expect(rows(db)).toBe(2);
  });

  test("rolls everything back when the callback throws", () => {
    const db = openMemoryDatabase();
    expect(() =>
      transaction(db, (tx) => {
        insert(tx);
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(rows(db)).toBe(0);
  });

  test("refuses an async callback and rolls back what it wrote before its first await", async () => {
    const db = openMemoryDatabase();
    expect(() =>
      transaction(db, async (tx) => {
        insert(tx);
        await Promise.resolve();
      }),
    ).toThrow(/must be synchronous/);
    await Bun.sleep(5);
    // bun:sqlite alone would have committed the insert at the await.
    expect(rows(db)).toBe(0);
    expect(transaction(db, () => 1)).toBe(1); // and the connection is usable again
  });

  test("refuses any thenable, not only native promises", () => {
    const db = openMemoryDatabase();
    expect(() => transaction(db, (tx) => (insert(tx), { then: () => {} }))).toThrow(/must be synchronous/);
    expect(rows(db)).toBe(0);
  });
});
