import type { DataDir } from "../../db/data-dir";
import { DAY_MS, dayOf, HOUR_MS } from "../../domain/slots";
import type { ServiceContext } from "../context";
import { listBackups, pruneBackups } from "./backup-files";
import { readBackupSettings } from "./backup-settings";
import type { CreatedBackup } from "./create-backup";
import { createBackupOffThread } from "./create-backup-off-thread";

/**
 * The scheduled backup (src/jobs/backup.ts calls it every few minutes): when scheduled backups are
 * on and no backup has been made since the last time the configured hour (UTC) came round, makes
 * one into `<data-dir>/backups/` on a thread of its own (the server goes on answering) and deletes
 * all but the newest `keep` there. Settles with the backup made and the names deleted, or null
 * when none was due.
 */
export async function runScheduledBackup(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, input: { dir: DataDir }): Promise<{ backup: CreatedBackup; pruned: string[] } | null> {
  const schedule = readBackupSettings(ctx);
  if (!schedule.enabled) return null;
  const now = ctx.clock.now().getTime();
  let due = dayOf(now) + schedule.hourUtc * HOUR_MS;
  if (due > now) due -= DAY_MS;
  const newest = listBackups(input.dir)[0];
  // Names carry whole seconds: a backup in the due second counts as made after it.
  if (newest && newest.createdAt.getTime() >= Math.floor(due / 1000) * 1000) return null;
  const backup = await createBackupOffThread(ctx, { dataDir: input.dir.root, trigger: "scheduled" });
  return { backup, pruned: pruneBackups(input.dir, schedule.keep) };
}
