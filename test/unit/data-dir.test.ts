import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, copyFileSync } from "node:fs";
import { join, relative } from "node:path";
import { closeDatabase, openMemoryDatabase, userTables } from "../../src/db/client";
import { DATABASE_FILE, dataDirAt, DataDirError, INSTANCE_ID_FILE, openDataDir, recordCleanStop } from "../../src/db/data-dir";
import { instance } from "../../src/db/schema";
import { SetupToken } from "../../src/services/admin";
import { loadOrCreateInstanceKey } from "../../src/services/instance-key";
import { tempDir } from "../helpers/temp";

const freshDir = () => tempDir("lts-datadir-");

describe("the data dir", () => {
  test("is created on first use with a migrated database and an instance-id file", () => {
    const dir = join(freshDir(), "nested", "lts-data");
    const db = openDataDir(dir);
    expect(userTables(db)).toEqual(expect.arrayContaining(["admin_credentials", "audit_events", "instance", "licenses", "sessions"]));
    const id = db.select().from(instance).get()!.instanceId;
    expect(readFileSync(join(dir, INSTANCE_ID_FILE), "utf8").trim()).toBe(id);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of ["lts.db", "lts.db-wal", "lts.db-shm"]) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
    expect(db.$client.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    expect(db.$client.query<{ synchronous: number }, []>("PRAGMA synchronous").get()!.synchronous).toBe(2); // FULL
    expect(db.$client.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()!.foreign_keys).toBe(1);
    expect(db.$client.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()!.timeout).toBe(5000);
    closeDatabase(db);
  });

  test("opens again with its data kept and migrations not re-run", () => {
    const dir = freshDir();
    const first = openDataDir(dir);
    const id = first.select().from(instance).get()!.instanceId;
    closeDatabase(first);
    const again = openDataDir(dir);
    expect(again.select().from(instance).all()).toEqual([expect.objectContaining({ instanceId: id })]);
    closeDatabase(again);
  });

  test("refuses to start over when the database is gone but the dir was in use", () => {
    const dir = freshDir();
    closeDatabase(openDataDir(dir));
    for (const f of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]) rmSync(join(dir, f), { force: true });
    expect(() => openDataDir(dir)).toThrow(DataDirError);
    expect(() => openDataDir(dir)).toThrow(/is missing.*Restore it from a backup/);
  });

  test("refuses another data dir's database", () => {
    const mine = freshDir();
    const theirs = freshDir();
    closeDatabase(openDataDir(mine));
    closeDatabase(openDataDir(theirs));
    rmSync(join(mine, DATABASE_FILE));
    copyFileSync(join(theirs, DATABASE_FILE), join(mine, DATABASE_FILE));
    expect(() => openDataDir(mine)).toThrow(/belongs to another LTS instance/);
  });

  test("refuses a database that is not an LTS database", () => {
    const dir = freshDir();
    const other = new Database(join(dir, DATABASE_FILE));
    other.exec("CREATE TABLE customers (id INTEGER)");
    other.close();
    expect(() => openDataDir(dir)).toThrow(/is not an LTS database/);
  });

  test("writes the instance-id file back from the database when only the file was lost", () => {
    const dir = freshDir();
    const db = openDataDir(dir);
    const id = db.select().from(instance).get()!.instanceId;
    closeDatabase(db);
    rmSync(join(dir, INSTANCE_ID_FILE));
    closeDatabase(openDataDir(dir));
    expect(readFileSync(join(dir, INSTANCE_ID_FILE), "utf8").trim()).toBe(id);
  });

  test("refuses an LTS database with no instance record beside a marker", () => {
    const dir = freshDir();
    const db = openDataDir(dir);
    db.delete(instance).run();
    closeDatabase(db);
    expect(() => openDataDir(dir)).toThrow(/belongs to another LTS instance \(none recorded\)/);
  });

  test("refuses a damaged database with one message naming it, and leaves its bytes as they were", () => {
    const dir = freshDir();
    const db = openDataDir(dir);
    db.$client.exec("CREATE TABLE filler (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT hex(randomblob(100)) FROM n");
    closeDatabase(db);
    const path = join(dir, DATABASE_FILE);
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 40960, 49152);
    writeFileSync(path, bytes);
    expect(() => openDataDir(dir)).toThrow(DataDirError);
    expect(() => openDataDir(dir)).toThrow(new RegExp(`${path} is damaged .*restore the last backup`));
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  describe("after a clean stop (recordCleanStop)", () => {
    /** A data dir whose database has pages damaged in the middle, where quick_check finds it (see above). */
    function damagedDataDir(options: { recordBeforeDamage: boolean }) {
      const dir = freshDir();
      const db = openDataDir(dir);
      db.$client.exec("CREATE TABLE filler (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT hex(randomblob(100)) FROM n");
      closeDatabase(db);
      if (options.recordBeforeDamage) recordCleanStop(dataDirAt(dir));
      const path = join(dir, DATABASE_FILE);
      const bytes = readFileSync(path);
      bytes.fill(0xa5, 40960, 49152);
      writeFileSync(path, bytes);
      return { dir, path, layout: dataDirAt(dir) };
    }

    test("skips the whole-file check for a database exactly as the stop left it, until it is written", () => {
      // Recorded after the damage: the record matches, so the open trusts the file (no O(size) read).
      const { dir, path, layout } = damagedDataDir({ recordBeforeDamage: false });
      recordCleanStop(layout);
      const db = openDataDir(dir);
      db.$client.run("INSERT INTO settings (key, value, updated_at) VALUES ('test.written', 'yes', 0)");
      closeDatabase(db);
      expect(() => openDataDir(dir)).toThrow(new RegExp(`${path} is damaged`));
    });

    test("checks a database changed after the stop, even with its times set back", () => {
      const { dir, path, layout } = damagedDataDir({ recordBeforeDamage: true });
      const before = statSync(path);
      utimesSync(path, before.atime, before.mtime);
      expect(() => openDataDir(dir)).toThrow(new RegExp(`${path} is damaged`));
    });

    test("checks a database with a WAL beside it (another process wrote after the stop)", () => {
      const { dir, path, layout } = damagedDataDir({ recordBeforeDamage: false });
      recordCleanStop(layout);
      writeFileSync(layout.wal, Buffer.alloc(4096, 1));
      expect(() => openDataDir(dir)).toThrow(new RegExp(`${path} is damaged`));
    });
  });

  test("refuses a file that is not SQLite, naming it", () => {
    const dir = freshDir();
    closeDatabase(openDataDir(dir));
    for (const f of [`${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]) rmSync(join(dir, f), { force: true });
    writeFileSync(join(dir, DATABASE_FILE), "not a database\n".repeat(500));
    expect(() => openDataDir(dir)).toThrow(new RegExp(`${join(dir, DATABASE_FILE)} is not an LTS database`));
  });

  test("refuses a database written by a newer LTS (a migration this binary does not know)", () => {
    const dir = freshDir();
    const db = openDataDir(dir);
    db.$client.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', ?)", [Date.UTC(2099, 0, 1)]);
    closeDatabase(db);
    expect(() => openDataDir(dir)).toThrow(/was written by a newer LTS version .*2099-01-01.*Run that newer version/);
  });

  test("an instance key that cannot be read is refused with its path, never replaced", () => {
    const dir = freshDir();
    const key = join(dir, "instance-key.pem");
    writeFileSync(key, "garbage");
    const db = openMemoryDatabase();
    expect(() => loadOrCreateInstanceKey(dir, db)).toThrow(new RegExp(`The instance key ${key} cannot be read \\(not an Ed25519 private key`));
    expect(readFileSync(key, "utf8")).toBe("garbage");
    rmSync(key);
    mkdirSync(key);
    expect(() => loadOrCreateInstanceKey(dir, db)).toThrow(/cannot be read \(it is a directory\)/);
  });

  test("the database records its instance key: a key gone missing, or another instance's key, is refused, never replaced", () => {
    const dir = freshDir();
    const key = join(dir, "instance-key.pem");
    const db = openMemoryDatabase();
    const made = loadOrCreateInstanceKey(dir, db);
    const original = readFileSync(key, "utf8");
    expect(db.$client.query("SELECT value FROM settings WHERE key = 'instance.keyId'").get()).toEqual({ value: made.kid });
    expect(loadOrCreateInstanceKey(dir, db).kid).toBe(made.kid);

    rmSync(key);
    expect(() => loadOrCreateInstanceKey(dir, db)).toThrow(new RegExp(`The instance key ${key} is missing, but this data dir's database was made with key ${made.kid}: .*lts restore`));
    expect(existsSync(key)).toBe(false);

    const foreign = freshDir();
    loadOrCreateInstanceKey(foreign, openMemoryDatabase());
    copyFileSync(join(foreign, "instance-key.pem"), key);
    expect(() => loadOrCreateInstanceKey(dir, db)).toThrow(/is key [0-9a-f]{16}, but this data dir's database was made with key/);
    writeFileSync(key, original);
    expect(loadOrCreateInstanceKey(dir, db).kid).toBe(made.kid);
  });

  test("a key made before the database recorded keys (an upgrade) is recorded at its first read", () => {
    const dir = freshDir();
    const kid = loadOrCreateInstanceKey(dir, openMemoryDatabase()).kid;
    const upgraded = openMemoryDatabase();
    expect(loadOrCreateInstanceKey(dir, upgraded).kid).toBe(kid);
    expect(upgraded.$client.query("SELECT value FROM settings WHERE key = 'instance.keyId'").get()).toEqual({ value: kid });
  });

  test("an empty database file beside no marker is a first start", () => {
    const dir = freshDir();
    writeFileSync(join(dir, DATABASE_FILE), "");
    const db = openDataDir(dir);
    expect(userTables(db)).toContain("instance");
    closeDatabase(db);
  });
});

describe("the data dir's layout (DataDir)", () => {
  test("names every path under the root, with its mode: files 0600, folders 0700", () => {
    const dir = dataDirAt("/srv/lts-data");
    expect(dir.entries.map((e) => [e.name, relative(dir.root, e.path), e.kind, e.mode.toString(8)])).toEqual([
      ["database", "lts.db", "file", "600"],
      ["wal", "lts.db-wal", "file", "600"],
      ["shm", "lts.db-shm", "file", "600"],
      ["instanceId", "instance-id", "file", "600"],
      ["instanceKey", "instance-key.pem", "file", "600"],
      ["setupToken", "setup-token", "file", "600"],
      ["logs", "logs", "dir", "700"],
      ["logFile", "logs/lts.log", "file", "600"],
      ["tmp", "tmp", "dir", "700"],
      ["backups", "backups", "dir", "700"],
      ["serverPid", "server.pid", "file", "600"],
      ["cleanStop", "clean-stop", "file", "600"],
    ]);
    for (const entry of dir.entries) expect(dir[entry.name]).toBe(entry.path);
  });

  test("the instance is one unit: the database with its -wal and -shm, the instance-id and the instance key", () => {
    const dir = dataDirAt("/srv/lts-data");
    expect(dir.instance).toEqual([dir.database, dir.wal, dir.shm, dir.instanceId, dir.instanceKey]);
  });

  test("is where the data dir, the instance key and the setup token are really written, with those modes", () => {
    const root = join(freshDir(), "lts-data");
    const dir = dataDirAt(root);
    const db = openDataDir(root);
    expect(loadOrCreateInstanceKey(root, db).kid).toMatch(/^[0-9a-f]{16}$/);
    new SetupToken(root).issue();
    for (const name of ["database", "wal", "shm", "instanceId", "instanceKey", "setupToken"] as const) {
      expect(existsSync(dir[name]), name).toBe(true);
      expect((statSync(dir[name]).mode & 0o777).toString(8), name).toBe("600");
    }
    expect((statSync(dir.root).mode & 0o777).toString(8)).toBe("700");
    closeDatabase(db);
  });
});
