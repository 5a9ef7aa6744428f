import { Database } from "bun:sqlite";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import type { MigrationMeta } from "drizzle-orm/migrator";
import { embeddedMigrations } from "./migrations.macro" with { type: "macro" };

/**
 * The database, for the query builder only: drizzle is given no schema, because building its
 * relational-query config (`db.query.…`, which nothing uses) costs every start a few milliseconds.
 */
export type Db = BunSQLiteDatabase & { $client: Database };

const MIGRATIONS: MigrationMeta[] = embeddedMigrations();

export interface DatabaseOptions {
  /** The page cache's cap (MiB): `lts serve --db-cache-mib`. */
  cacheMib?: number;
}
const DEFAULT_CACHE_MIB = 64;

/**
 * Opens (or creates) the SQLite database with the settings every write relies on: WAL,
 * synchronous=FULL (an acknowledged write survives power loss), foreign keys, a busy timeout for
 * the admin commands that share the file, a cap on the WAL file left behind, a larger page cache,
 * memory-mapped reads and statement journals in memory.
 */
export function openDatabase(path: string, options: DatabaseOptions = {}): Db {
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA journal_size_limit = 67108864");
  // A page cache of up to 64 MiB by default (SQLite's is 2 MiB), holding the pages writes touch and
  // those read from the WAL (other reads go through the memory map below): at a million devices on
  // an item, the pages of the random rows requests update stay in memory (scripts/bench-scale.ts).
  // It fills towards its cap as history grows, and stays there.
  sqlite.exec(`PRAGMA cache_size = ${-1024 * (options.cacheMib ?? DEFAULT_CACHE_MIB)}`);
  // Reads through a memory map of up to 1 GiB (address space, not memory: only pages read are
  // resident, and the kernel may drop them): a lookup of a random device among a million is then a
  // memory read, not a read() system call into the page cache (bench-scale: 0.65 → 0.83 of the
  // figure at 0 devices for a known device's authorize). Writes still go through the WAL.
  sqlite.exec("PRAGMA mmap_size = 1073741824");
  // Statement journals in memory: the group commit gives every request a SAVEPOINT, and a page's
  // first change under one is copied to the sub-journal — by default a temporary file. In memory, a
  // new device's authorize spends ~35 µs in SQL instead of ~145 (bench-scale). Sorts and temporary
  // tables (large only in a migration that builds an index) live in memory too.
  sqlite.exec("PRAGMA temp_store = MEMORY");
  return drizzle({ client: sqlite }) as Db;
}

/**
 * Checkpoints the WAL into the database file and closes it, so that a stopped server leaves one
 * self-contained file behind (a copy of it alone is whole).
 */
export function closeDatabase(db: Db): void {
  try {
    db.$client.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.$client.close();
  }
}

/** A fresh in-memory database with every migration applied: what tests build their world on. */
export function openMemoryDatabase(): Db {
  const db = drizzle({ client: new Database(":memory:", { strict: true }) }) as Db;
  db.$client.exec("PRAGMA foreign_keys = ON");
  migrate(db);
  return db;
}

/** Applies the migrations embedded at build time that this database has not seen yet. */
export function migrate(db: Db): void {
  // What drizzle-orm/bun-sqlite/migrator does, minus reading the folder from disk (the binary
  // has no drizzle/ folder). drizzle-orm is pinned; a test migrates a real file to catch changes.
  const internal = db as unknown as { dialect: { migrate(m: MigrationMeta[], s: unknown, c: object): void }; session: unknown };
  internal.dialect.migrate(MIGRATIONS, internal.session, { migrationsFolder: "<embedded>" });
}

/**
 * Where `db`'s schema stands against the migrations embedded in this binary: "current" (nothing to
 * apply: opening skips drizzle's migrator), "behind" (a fresh database, or one an older LTS wrote),
 * or "newer": it holds a migration this binary does not know (a newer LTS version wrote it), and
 * drizzle would apply nothing and run the old code on the new schema.
 */
export type SchemaState = { kind: "current" } | { kind: "behind" } | { kind: "newer"; createdAt: number };

export function schemaState(db: Db): SchemaState {
  const table = db.$client.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!table) return { kind: "behind" };
  const newest = db.$client.query<{ at: number | null }, []>("SELECT max(created_at) AS at FROM __drizzle_migrations").get()?.at ?? null;
  const known = Math.max(0, ...MIGRATIONS.map((m) => m.folderMillis));
  if (newest === null || Number(newest) < known) return { kind: "behind" };
  // drizzle applies a migration only when it is newer than the newest one recorded: same test.
  return Number(newest) > known ? { kind: "newer", createdAt: Number(newest) } : { kind: "current" };
}

/** The user tables a database holds (drizzle's bookkeeping and SQLite's own excluded). */
export function userTables(db: Db): string[] {
  return db.$client
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name",
    )
    .all()
    .map((r) => r.name);
}
