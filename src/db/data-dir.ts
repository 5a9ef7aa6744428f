import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { closeDatabase, migrate, openDatabase, userTables, type Db } from "./client";
import { instance } from "./schema";

export const DATABASE_FILE = "lts.db";
export const INSTANCE_ID_FILE = "instance-id";

/** The data dir could not be opened safely; the message says what to do. */
export class DataDirError extends Error {}

/**
 * Opens the data dir's database, creating dir and database on first use, and applies pending
 * migrations. Fails closed: a database missing beside an `instance-id` file, or one that belongs
 * to another data dir, is refused rather than silently recreated (that would reset all usage and
 * reopen first-run setup to anyone who connects).
 */
export function openDataDir(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dbPath = join(dataDir, DATABASE_FILE);
  const markerPath = join(dataDir, INSTANCE_ID_FILE);
  const marker = existsSync(markerPath) ? readFileSync(markerPath, "utf8").trim() : null;
  const dbExisted = existsSync(dbPath) && statSync(dbPath).size > 0;

  if (marker && !dbExisted) {
    throw new DataDirError(
      `The database ${dbPath} is missing, but ${markerPath} shows this data dir was in use. ` +
        `Restore it from a backup ('lts restore FILE'), or to start over on purpose, move the data dir away first.`,
    );
  }

  // SQLite gives the -wal and -shm files the main file's mode: make it private from the start.
  if (!existsSync(dbPath)) writeFileSync(dbPath, "", { mode: 0o600 });
  const db = openDatabase(dbPath);
  const tables = userTables(db);
  if (dbExisted && !tables.includes("instance")) {
    closeDatabase(db);
    throw new DataDirError(`${dbPath} is not an LTS database (it has no instance table). Move it away or choose another --data-dir.`);
  }
  migrate(db);

  const row = db.select().from(instance).get();
  if (!row && !marker) {
    const id = randomUUID();
    db.insert(instance).values({ id: 1, instanceId: id, createdAt: new Date() }).run();
    writeFileSync(markerPath, id + "\n", { mode: 0o600 });
    return db;
  }
  if (!row || (marker && marker !== row.instanceId)) {
    closeDatabase(db);
    throw new DataDirError(
      `${dbPath} belongs to another LTS instance (${row?.instanceId ?? "none recorded"}), not to this data dir (${marker}). ` +
        `Put this data dir's own database back, or restore a backup of it.`,
    );
  }
  if (!marker) writeFileSync(markerPath, row.instanceId + "\n", { mode: 0o600 });
  return db;
}
