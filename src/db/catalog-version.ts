import type { Database } from "bun:sqlite";
import type { Db } from "./client";

/**
 * The version of the catalog — handshake codes, their items, license items and licenses — as this
 * process changed it. The client API caches what it reads of the catalog (UsageStore) and reads it
 * again once this number moves; every verb that writes the catalog calls catalogChanged() in its
 * transaction. Changes made by another process (the `lts import` or `lts codes` CLI on the same
 * data dir) are seen through SQLite's `PRAGMA data_version` instead, which moves only for other
 * connections' commits.
 */
const versions = new WeakMap<Database, number>();

export function catalogChanged(db: Db): void {
  versions.set(db.$client, (versions.get(db.$client) ?? 0) + 1);
}

export function catalogVersion(db: Database): number {
  return versions.get(db) ?? 0;
}
