import { Database } from "bun:sqlite";
import { openMemoryDatabase } from "../../db/client";
import { BackupError } from "./backup-format";

export interface DatabaseFacts {
  instanceId: string;
  /** Rows in drizzle's migration journal: how far the schema has come. */
  migrations: number;
}

/**
 * Opens a database copy read-only and checks it: `PRAGMA integrity_check` must answer exactly
 * "ok", and it must be an LTS database (an instance row). Throws BackupError otherwise.
 */
export function inspectDatabase(path: string): DatabaseFacts {
  let sqlite: Database;
  try {
    sqlite = new Database(path, { readonly: true, strict: true });
  } catch (err) {
    throw new BackupError(`The database copy cannot be opened (${(err as Error).message}).`);
  }
  try {
    let check: string[];
    try {
      check = sqlite.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((r) => r.integrity_check);
    } catch (err) {
      throw new BackupError(`The database copy is not a readable SQLite database (${(err as Error).message}).`);
    }
    if (check.length !== 1 || check[0] !== "ok") throw new BackupError(`The database copy fails SQLite's integrity check: ${check.slice(0, 3).join("; ")}`);
    const row = hasTable(sqlite, "instance") ? sqlite.query<{ instanceId: string }, []>("SELECT instance_id AS instanceId FROM instance WHERE id = 1").get() : null;
    if (!row) throw new BackupError("The database copy is not an LTS database (it has no instance row).");
    const migrations = hasTable(sqlite, "__drizzle_migrations") ? sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM __drizzle_migrations").get()!.n : 0;
    return { instanceId: row.instanceId, migrations };
  } finally {
    sqlite.close();
  }
}

function hasTable(sqlite: Database, name: string): boolean {
  return !!sqlite.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
}

let known: number | undefined;
/** How many migrations this build carries (counted once on a scratch in-memory database). */
export function knownMigrations(): number {
  if (known === undefined) {
    const db = openMemoryDatabase();
    known = db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM __drizzle_migrations").get()!.n;
    db.$client.close();
  }
  return known;
}
