import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { Checkpointer } from "../../src/db/checkpointer";
import { closeDatabase, openDatabase, type Db } from "../../src/db/client";
import { createLogger } from "../../src/lib/logger";
import { tempDir } from "../helpers/temp";

const PAGE = 4096;
const quiet = createLogger([], "info");

function fileDatabase(): { db: Db; path: string } {
  const path = join(tempDir(), "lts.db");
  const db = openDatabase(path);
  // Commits need not reach the disk here: what is tested is where the WAL's pages go.
  db.$client.exec("PRAGMA synchronous = OFF");
  db.$client.exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  return { db, path };
}

const autocheckpoint = (db: Db) => (db.$client.query("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
const insertPages = (db: Db, pages: number) => db.$client.transaction(() => {
  for (let i = 0; i < pages; i++) db.$client.query("INSERT INTO blobs (data) VALUES (randomblob(3500))").run();
})();

/** How often a WAL file started over from its beginning: its header's checkpoint sequence number. */
const walStartOvers = (file: string) => readFileSync(file).readUInt32BE(12);

/** How much of `file` this process has mapped (SQLite's mmap of the database). */
function mappedBytes(file: string): number {
  const lines = readFileSync("/proc/self/maps", "utf8").split("\n").filter((line) => line.endsWith(" " + file));
  return lines.reduce((sum, line) => {
    const [from, to] = line.split(" ")[0]!.split("-").map((hex) => Number.parseInt(hex, 16));
    return sum + (to! - from!);
  }, 0);
}

async function until(condition: () => boolean, ms = 3_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!condition() && performance.now() < end) await Bun.sleep(5);
  return condition();
}

describe("Checkpointer", () => {
  test("copies committed pages into the database file on its own thread, not the committing one", async () => {
    const { db, path } = fileDatabase();
    const checkpointer = Checkpointer.start(db, quiet, { intervalMs: 5 });
    expect(autocheckpoint(db)).toBe(0);
    insertPages(db, 300); // 300 pages: fewer than SQLite's own threshold of 1,000
    expect(size(path)).toBeLessThan(100 * PAGE);
    expect(await until(() => size(path) >= 300 * PAGE)).toBe(true);
    await checkpointer.stop();
    closeDatabase(db);
  });

  test("keeps the WAL starting over while writes never pause: the server's thread makes it", async () => {
    const { db, path } = fileDatabase();
    const restartFrames = 200;
    const checkpointer = Checkpointer.start(db, quiet, { intervalMs: 2, restartFrames });
    const written = 6_000;
    for (let i = 0; i < written / 4; i++) {
      insertPages(db, 4);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Without the start-over the WAL holds every page written (~24 MB) and never starts over. With
    // it, it starts over every few hundred pages (~30 times here); a loaded machine may keep the
    // worker's reports back a while, and the file keeps the largest size it reached.
    expect(walStartOvers(`${path}-wal`)).toBeGreaterThanOrEqual(3);
    expect((db.$client.query("SELECT count(*) AS n FROM blobs").get() as { n: number }).n).toBe(6_000);
    await checkpointer.stop();
    closeDatabase(db);
  });

  test("the server's connection keeps mapping the whole database file while the worker's checkpoints grow it (Linux: /proc/self/maps)", async () => {
    const { db, path } = fileDatabase();
    const checkpointer = Checkpointer.start(db, quiet, { intervalMs: 5 });
    // A server writes without pause: SQLite itself renews a connection's map only now and then.
    let lowest = 1;
    for (let i = 0; i < 200; i++) {
      insertPages(db, 5);
      await Bun.sleep(1);
      db.$client.query("SELECT sum(length(data)) FROM blobs").get(); // reads every page, through the map where it reaches
      if (i >= 50) lowest = Math.min(lowest, mappedBytes(path) / statSync(path).size);
    }
    expect(lowest).toBeGreaterThan(0.75);
    await checkpointer.stop();
    closeDatabase(db);
  });

  test("stop closes the worker's connection and gives checkpoints back to SQLite: a closed database leaves no WAL", async () => {
    const { db, path } = fileDatabase();
    const checkpointer = Checkpointer.start(db, quiet, { intervalMs: 5 });
    insertPages(db, 50);
    await checkpointer.stop();
    expect(autocheckpoint(db)).toBe(1000);
    closeDatabase(db);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(size(path)).toBeGreaterThanOrEqual(50 * PAGE);
  });

  test("a checkpoint on the server's thread that fails is logged, not thrown (it would end the process)", async () => {
    const { db } = fileDatabase();
    const logged: string[] = [];
    const checkpointer = Checkpointer.start(db, createLogger([(line) => logged.push(line)], "info"), { intervalMs: 5, restartFrames: 1 });
    insertPages(db, 5);
    // The server's connection meets an I/O error (as SQLite reports one: a thrown error) from now on.
    const query = db.$client.query.bind(db.$client);
    db.$client.query = () => {
      throw new Error("disk I/O error");
    };
    expect(await until(() => logged.length > 0)).toBe(true);
    expect(logged[0]).toContain("a WAL checkpoint or the database's memory map failed on the server's thread");
    db.$client.query = query;
    await checkpointer.stop();
    closeDatabase(db);
  });

  test("a worker that cannot open the database is logged, and SQLite checkpoints on the committing thread again", async () => {
    const { db, path } = fileDatabase();
    renameSync(path, `${path}.moved`); // the open connection keeps working; a new one cannot open the path
    const logged: string[] = [];
    const checkpointer = Checkpointer.start(db, createLogger([(line) => logged.push(line)], "info"), { intervalMs: 5 });
    expect(await until(() => logged.length > 0)).toBe(true);
    expect(logged[0]).toContain("the WAL checkpointer thread failed: the server checkpoints on its own thread");
    expect(autocheckpoint(db)).toBe(1000);
    await checkpointer.stop();
    db.$client.close();
  });

  test("a worker that ends without a word is logged, and SQLite checkpoints on the committing thread again (else the WAL grows for ever)", async () => {
    const { db } = fileDatabase();
    const logged: string[] = [];
    const program = new URL("../fixtures/threads/ends.ts", import.meta.url).href;
    const checkpointer = Checkpointer.start(db, createLogger([(line) => logged.push(line)], "info"), { program });
    expect(await until(() => logged.length > 0)).toBe(true);
    expect(logged[0]).toContain("the WAL checkpointer thread failed: the server checkpoints on its own thread");
    expect(logged[0]).toContain("it ended (exit code 0)");
    expect(autocheckpoint(db)).toBe(1000);
    await checkpointer.stop();
    closeDatabase(db);
  });
});
