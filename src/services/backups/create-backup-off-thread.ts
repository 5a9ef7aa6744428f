import { AppError, type AppErrorCode } from "../../domain/errors";
import { workerEntry } from "../../lib/runtime";
import { askThread } from "../../lib/threads";
import type { ServiceContext } from "../context";
import type { BackupTrigger, CreatedBackup } from "./create-backup";

export interface BackupThreadRequest {
  dataDir: string;
  /** The backup's time (ms): its name and its audit event. */
  at: number;
  actor: ServiceContext["actor"];
  trigger: BackupTrigger;
}
export type BackupThreadReply = { ok: true; backup: CreatedBackup } | { ok: false; code?: AppErrorCode; message: string };

/** The backup being made, if any: the next waits for it. */
let previous: Promise<unknown> = Promise.resolve();

/**
 * createBackup into `<data-dir>/backups/`, made on a thread of its own with its own connection to
 * the data dir's database (backup-worker.ts), so that the server goes on answering meanwhile.
 * One at a time (two at once would pick the same name in the same second, and compete for the
 * disk): a backup asked for meanwhile starts when the one before has ended, at its own time.
 * Settles with the backup, or rejects with createBackup's error (an AppError keeps its code).
 */
export function createBackupOffThread(ctx: Pick<ServiceContext, "clock" | "actor">, input: { dataDir: string; trigger: BackupTrigger }): Promise<CreatedBackup> {
  const made = previous.then(() => backUpOnThread(ctx, input));
  previous = made.catch(() => {});
  return made;
}

async function backUpOnThread(ctx: Pick<ServiceContext, "clock" | "actor">, input: { dataDir: string; trigger: BackupTrigger }): Promise<CreatedBackup> {
  const request: BackupThreadRequest = { dataDir: input.dataDir, at: ctx.clock.now().getTime(), actor: ctx.actor, trigger: input.trigger };
  const reply = await askThread<BackupThreadReply>(workerEntry("services/backups/backup-worker.ts"), request).catch((error: Error) => {
    throw new Error(`no backup was made: ${error.message}`);
  });
  if (reply.ok) return reply.backup;
  throw reply.code ? new AppError(reply.code, reply.message) : new Error(reply.message);
}
