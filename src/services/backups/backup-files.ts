import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DataDir } from "../../db/data-dir";
import { BACKUP_FILE_PATTERN } from "./backup-format";

export interface BackupFile {
  name: string;
  path: string;
  size: number;
  /** From the name (UTC, to the second): the clock's time when it was made. */
  createdAt: Date;
}

/** The backups in `<data-dir>/backups/`, newest first. Files not named like a backup are left out. */
export function listBackups(dir: Pick<DataDir, "backups">): BackupFile[] {
  if (!existsSync(dir.backups)) return [];
  return readdirSync(dir.backups)
    .map((name) => ({ name, match: BACKUP_FILE_PATTERN.exec(name) }))
    .filter((f) => f.match !== null)
    .map(({ name, match }) => {
      const [, day, time, n] = match!;
      const iso = `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}T${time!.slice(0, 2)}:${time!.slice(2, 4)}:${time!.slice(4, 6)}.000Z`;
      const path = join(dir.backups, name);
      return { name, path, size: statSync(path).size, createdAt: new Date(iso), n: Number(n ?? 0) };
    })
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.n - a.n)
    .map(({ n: _n, ...file }) => file);
}

/** A free name in the backups folder for a backup made at `at`: lts-backup-YYYYMMDD-HHMMSS[-N].tar. */
export function backupFileName(dir: Pick<DataDir, "backups">, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  for (let n = 1; ; n++) {
    const name = n === 1 ? `lts-backup-${stamp}.tar` : `lts-backup-${stamp}-${n}.tar`;
    if (!existsSync(join(dir.backups, name))) return name;
  }
}

/** The backup called `name` in the backups folder, or null (also for any name that is not a backup's). */
export function findBackup(dir: Pick<DataDir, "backups">, name: string): BackupFile | null {
  if (!BACKUP_FILE_PATTERN.test(name)) return null;
  return listBackups(dir).find((b) => b.name === name) ?? null;
}

/** Deletes all but the newest `keep` backups in the backups folder; returns the names deleted. */
export function pruneBackups(dir: Pick<DataDir, "backups">, keep: number): string[] {
  const old = listBackups(dir).slice(Math.max(0, keep));
  for (const b of old) rmSync(b.path, { force: true });
  return old.map((b) => b.name);
}
