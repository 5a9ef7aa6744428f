import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { closeDatabase } from "../../src/db/client";
import { dataDirAt, openDataDir } from "../../src/db/data-dir";
import { ManualClock } from "../../src/lib/clock";
import { createBackup, createBackupOffThread, verifyBackup } from "../../src/services/backups";
import { tempDir } from "../helpers/temp";

const MIB = 1024 * 1024;
const ownMemory = () => Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;

test("a backup of a 96 MB database takes the process's memory up by far less than the database's size", async () => {
  const dataDir = tempDir("lts-backup-memory-");
  const db = openDataDir(dataDir);
  // ~96 MB of history (audit events padded to 1 KB).
  db.$client.run(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 96000)
     INSERT INTO audit_events (at, actor, action, detail) SELECT i, 'system', 'filler', hex(randomblob(500)) FROM n`,
  );
  db.$client.run("PRAGMA wal_checkpoint(TRUNCATE)");
  const before = ownMemory();
  let peak = before;
  // The backup runs on its own thread: this one samples the process's memory meanwhile.
  const sampler = setInterval(() => (peak = Math.max(peak, ownMemory())), 2);
  const backup = await createBackupOffThread({ clock: new ManualClock(), actor: { kind: "console", ip: null } }, { dataDir, trigger: "console" });
  clearInterval(sampler);
  peak = Math.max(peak, ownMemory());
  closeDatabase(db);

  expect(backup.manifest.members.find((m) => m.name === "lts.db")!.size).toBeGreaterThan(96 * MIB);
  expect(verifyBackup(readFileSync(backup.path)).manifest.instanceId).toBe(backup.manifest.instanceId);
  expect(backup.path.startsWith(dataDirAt(dataDir).backups)).toBe(true);
  // The thread itself (a JS context, its connection) costs ~13 MiB; reading the copy whole, or
  // writing it through the server's 64 MiB page cache, costs the database's size more.
  expect((peak - before) / MIB).toBeLessThan(40);
}, 60_000);

test("the copy's small page cache is the copy's only: the connection's own comes back after", () => {
  const dataDir = tempDir("lts-backup-cache-");
  const db = openDataDir(dataDir);
  const cacheSize = () => (db.$client.query("PRAGMA cache_size").get() as { cache_size: number }).cache_size;
  const before = cacheSize();
  createBackup({ db, clock: new ManualClock(), actor: { kind: "console", ip: null } }, { dir: dataDirAt(dataDir), trigger: "console" });
  expect(cacheSize()).toBe(before);
  closeDatabase(db);
});
