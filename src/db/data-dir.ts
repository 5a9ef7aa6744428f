import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { migrate, openDatabase, schemaState, userTables, type DatabaseOptions, type Db } from "./client";
import { instance } from "./schema";

export const DATABASE_FILE = "lts.db";
export const INSTANCE_ID_FILE = "instance-id";

/** Everything in the data dir is the server's alone: files 0600, folders 0700. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/**
 * The data dir's layout, named: the one place that knows where each thing lives. Paths are
 * absolute when the root is (the config makes it so).
 */
export interface DataDir {
  readonly root: string;
  /** The SQLite database, and the two files SQLite keeps beside it (mode taken from the database). */
  readonly database: string;
  readonly wal: string;
  readonly shm: string;
  /** The marker saying which database belongs here (see openDataDir). */
  readonly instanceId: string;
  /** This server's Ed25519 key (services/instance-key). */
  readonly instanceKey: string;
  /** The one-time token while no management password is set (services/admin/setup-token). */
  readonly setupToken: string;
  readonly logs: string;
  readonly logFile: string;
  /** Where the compiled binary unpacks argon2's native module (lib/password-hasher). */
  readonly tmp: string;
  readonly backups: string;
  /** The running server's process id, written at start and removed at stop (services/backups/server-pid). */
  readonly serverPid: string;
  /** The database file as the server's last clean stop left it (see recordCleanStop). */
  readonly cleanStop: string;
  /** Every path above, with its kind and the mode it is made with. */
  readonly entries: readonly DataDirEntry[];
  /**
   * What makes up "the instance": the database (with its -wal and -shm), the instance-id marker
   * and the instance key. They belong together — a database beside another instance's marker is
   * refused, and beside another key it would sign as someone else — so backup and restore treat
   * them as one unit.
   */
  readonly instance: readonly string[];
}

export type DataDirPathName = Exclude<keyof DataDir, "root" | "entries" | "instance">;

export interface DataDirEntry {
  name: DataDirPathName;
  path: string;
  kind: "file" | "dir";
  mode: number;
}

const LAYOUT: Record<DataDirPathName, { relative: string; kind: "file" | "dir" }> = {
  database: { relative: DATABASE_FILE, kind: "file" },
  wal: { relative: `${DATABASE_FILE}-wal`, kind: "file" },
  shm: { relative: `${DATABASE_FILE}-shm`, kind: "file" },
  instanceId: { relative: INSTANCE_ID_FILE, kind: "file" },
  instanceKey: { relative: "instance-key.pem", kind: "file" },
  setupToken: { relative: "setup-token", kind: "file" },
  logs: { relative: "logs", kind: "dir" },
  logFile: { relative: join("logs", "lts.log"), kind: "file" },
  tmp: { relative: "tmp", kind: "dir" },
  backups: { relative: "backups", kind: "dir" },
  serverPid: { relative: "server.pid", kind: "file" },
  cleanStop: { relative: "clean-stop", kind: "file" },
};

const INSTANCE_UNIT: readonly DataDirPathName[] = ["database", "wal", "shm", "instanceId", "instanceKey"];

/** The data dir at `root`, named. Touches nothing on disk. */
export function dataDirAt(root: string): DataDir {
  const names = Object.keys(LAYOUT) as DataDirPathName[];
  const paths = Object.fromEntries(names.map((name) => [name, join(root, LAYOUT[name].relative)])) as Record<DataDirPathName, string>;
  return {
    root,
    ...paths,
    entries: names.map((name) => ({ name, path: paths[name], kind: LAYOUT[name].kind, mode: LAYOUT[name].kind === "dir" ? DIR_MODE : FILE_MODE })),
    instance: INSTANCE_UNIT.map((name) => paths[name]),
  };
}

/** The data dir could not be opened safely; the message says what to do. */
export class DataDirError extends Error {}

/**
 * Opens the data dir's database, creating dir and database on first use, and applies pending
 * migrations. Fails closed: a database missing beside an `instance-id` file, or one that belongs
 * to another data dir, is refused rather than silently recreated (that would reset all usage and
 * reopen first-run setup to anyone who connects). So are a damaged database (`quick_check`, skipped
 * for a file exactly as the last clean stop left it: see recordCleanStop), a file that is not
 * SQLite, one written by a newer LTS, and a read-only data dir: each with one DataDirError naming
 * the file and what to do, and nothing in the data dir replaced.
 */
export function openDataDir(root: string, options: DatabaseOptions = {}): Db {
  const dir = dataDirAt(root);
  mkdirSync(dir.root, { recursive: true, mode: DIR_MODE });
  assertWritable(dir.root);
  let opened: Db | undefined;
  try {
    return openDataDirDatabase(dir, options, (db) => (opened = db));
  } catch (error) {
    // A plain close: a checkpoint would write into a file that is being refused.
    (opened as Db | undefined)?.$client.close();
    throw error instanceof DataDirError ? error : storageError(dir, error);
  }
}

function openDataDirDatabase(dir: DataDir, options: DatabaseOptions, track: (db: Db) => void): Db {
  const dbPath = dir.database;
  const markerPath = dir.instanceId;
  const marker = existsSync(markerPath) ? readFileSync(markerPath, "utf8").trim() : null;
  const dbExisted = existsSync(dbPath) && statSync(dbPath).size > 0;
  // Compared before SQLite opens the file.
  const leftCleanly = dbExisted && untouchedSinceCleanStop(dir);

  if (marker && !dbExisted) {
    throw new DataDirError(
      `The database ${dbPath} is missing, but ${markerPath} shows this data dir was in use. ` +
        `Restore it from a backup ('lts restore FILE'), or to start over on purpose, move the data dir away first.`,
    );
  }

  // SQLite gives the -wal and -shm files the main file's mode: make it private from the start.
  if (!existsSync(dbPath)) writeFileSync(dbPath, "", { mode: FILE_MODE });
  const db = openDatabase(dbPath, options);
  track(db);
  const damage = dbExisted && !leftCleanly ? quickCheck(db) : null;
  if (damage) throw new DataDirError(damaged(dbPath, damage));
  const tables = userTables(db);
  if (dbExisted && !tables.includes("instance")) {
    throw new DataDirError(`${dbPath} is not an LTS database (it has no instance table). Move it away or choose another --data-dir.`);
  }
  const schema = schemaState(db);
  if (schema.kind === "newer") {
    throw new DataDirError(
      `${dbPath} was written by a newer LTS version (its schema has a migration from ${new Date(schema.createdAt).toISOString()} that this binary does not know). ` +
        `Run that newer version, or restore a backup made by this one ('lts restore FILE').`,
    );
  }
  if (schema.kind === "behind") migrate(db);

  // Plain SQL: on every start this is the first query, and drizzle's query builder, still
  // interpreted then, takes milliseconds where SQLite takes microseconds.
  const row = db.$client.query<{ instanceId: string }, []>("SELECT instance_id AS instanceId FROM instance WHERE id = 1").get();
  if (!row && !marker) {
    const id = randomUUID();
    db.insert(instance).values({ id: 1, instanceId: id, createdAt: new Date() }).run();
    writeFileSync(markerPath, id + "\n", { mode: FILE_MODE });
    return db;
  }
  if (!row || (marker && marker !== row.instanceId)) {
    throw new DataDirError(
      `${dbPath} belongs to another LTS instance (${row?.instanceId ?? "none recorded"}), not to this data dir (${marker}). ` +
        `Put this data dir's own database back, or restore a backup of it.`,
    );
  }
  if (!marker) writeFileSync(markerPath, row.instanceId + "\n", { mode: FILE_MODE });
  return db;
}

/**
 * Called by the server after its final checkpoint and close: records the database file's identity
 * and state (device, inode, size, modification and change times, to the nanosecond). `quick_check`
 * reads every page (about 1–2 s per 160 MB), and a file that nothing has touched since a clean
 * stop cannot have been torn by a crash or changed from outside: an open compares and skips the
 * check only on an exact match with no WAL beside the file. A restore, a copy put in its place, a
 * write or a `touch` changes the change time, which no tool can set back. The record stays until
 * the next clean stop replaces it, and stops matching as soon as the server writes: its writes go
 * to the WAL (left non-empty by a crash), and a checkpoint into the file changes the change time,
 * made durable by the checkpoint's fsync before the WAL is reset. Refusals change nothing. Not
 * recorded when a WAL is left (another process still writes).
 */
export function recordCleanStop(dir: Pick<DataDir, "database" | "wal" | "cleanStop">): void {
  const stamp = fileStamp(dir.database);
  if (stamp && !walHoldsFrames(dir)) writeFileSync(dir.cleanStop, stamp + "\n", { mode: FILE_MODE });
}

/** Whether the database is exactly as the last clean stop recorded it. */
function untouchedSinceCleanStop(dir: DataDir): boolean {
  if (!existsSync(dir.cleanStop)) return false;
  return readFileSync(dir.cleanStop, "utf8").trim() === fileStamp(dir.database) && !walHoldsFrames(dir);
}

function fileStamp(path: string): string | null {
  if (!existsSync(path)) return null;
  const s = statSync(path, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

function walHoldsFrames(dir: Pick<DataDir, "wal">): boolean {
  return existsSync(dir.wal) && statSync(dir.wal).size > 0;
}

/** `PRAGMA quick_check`: null when the database is intact, else SQLite's first complaint. */
function quickCheck(db: Db): string | null {
  const rows = db.$client.query<{ quick_check: string }, []>("PRAGMA quick_check").all();
  return rows.length === 1 && rows[0]!.quick_check === "ok" ? null : (rows[0]?.quick_check ?? "no answer");
}

function damaged(dbPath: string, detail: string): string {
  return (
    `${dbPath} is damaged (SQLite: ${detail}). The server does not start on it and leaves it as it is: ` +
    `keep a copy of it, then restore the last backup ('lts restore FILE').`
  );
}

/** What SQLite or the file system said, as a message naming the file and what to do. */
function storageError(dir: DataDir, error: unknown): DataDirError {
  const code = String((error as { code?: unknown }).code ?? "");
  const message = (error as Error).message;
  if (code.startsWith("SQLITE_CORRUPT")) return new DataDirError(damaged(dir.database, message));
  if (code.startsWith("SQLITE_NOTADB")) return new DataDirError(`${dir.database} is not an LTS database (${message}). Move it away, restore a backup ('lts restore FILE'), or choose another --data-dir.`);
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS" || code === "EACCES" || code === "EPERM") return notWritable(dir.root, message);
  if (code.startsWith("SQLITE_FULL") || code === "ENOSPC") return new DataDirError(`disk full: ${dir.database} cannot be opened (${message}). Free space on the data dir's file system, then start again.`);
  return new DataDirError(`${dir.database} cannot be opened (${code ? `${code}: ` : ""}${message}). Check the file and its data dir, or restore a backup ('lts restore FILE').`);
}

function notWritable(root: string, detail: string): DataDirError {
  return new DataDirError(`The data dir ${root} is not writable (${detail}). The server records every request there: make it writable (remount read-write, fix its owner), or choose another --data-dir.`);
}

/** The server writes its database, WAL and logs here: a read-only data dir is refused up front. */
function assertWritable(root: string): void {
  const probe = join(root, `.write-test-${process.pid}`);
  try {
    writeFileSync(probe, "", { mode: FILE_MODE });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS") throw notWritable(root, "read-only file system");
    if (code === "EACCES" || code === "EPERM") throw notWritable(root, "permission denied");
    // Full, or anything else: opening the database says it more exactly.
    return;
  }
  rmSync(probe, { force: true });
}
