import type { Db } from "../db/client";
import type { Job } from "./scheduler";
import { dataDirAt } from "../db/data-dir";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { runScheduledBackup } from "../services/backups";

/** How often the job looks whether the daily backup is due: it is made at most this late. */
export const BACKUP_CHECK_MS = 10 * 60_000;

/**
 * Scheduled backups (Backups page: on/off, keep N, hour UTC): every 10 minutes, makes the day's
 * backup into <data-dir>/backups/ once its hour has come, and keeps the newest N there.
 */
export function backupJob(deps: { db: Db; clock: Clock; logger: Logger; settings: { dataDir: string } }): Job {
  const dir = dataDirAt(deps.settings.dataDir);
  return {
    name: "backup",
    intervalMs: BACKUP_CHECK_MS,
    async run() {
      const done = await runScheduledBackup({ db: deps.db, clock: deps.clock, actor: { kind: "system", ip: null } }, { dir });
      if (done) deps.logger.info("scheduled backup made", { file: done.backup.path, size: done.backup.size, deleted: done.pruned });
    },
  };
}
