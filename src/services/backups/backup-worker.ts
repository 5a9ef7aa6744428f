/**
 * The thread the server's backups are made on, scheduled or "Back up now"
 * (create-backup-off-thread.ts): a connection of its own to the database, createBackup at the time
 * the server gave, the outcome posted back. Copying, checking and packing a database takes ~1 s per
 * 40 MB, which on the server's thread is as long without answers.
 */
import { openDatabase } from "../../db/client";
import { dataDirAt } from "../../db/data-dir";
import { AppError } from "../../domain/errors";
import { createBackup } from "./create-backup";
import type { BackupThreadReply, BackupThreadRequest } from "./create-backup-off-thread";

declare const self: Worker;

self.onmessage = (event: MessageEvent<BackupThreadRequest>) => {
  const request = event.data;
  let reply: BackupThreadReply;
  try {
    const dir = dataDirAt(request.dataDir);
    const db = openDatabase(dir.database);
    try {
      const backup = createBackup({ db, clock: { now: () => new Date(request.at) }, actor: request.actor }, { dir, trigger: request.trigger });
      reply = { ok: true, backup };
    } finally {
      db.$client.close(); // no closing checkpoint: the server's connection and its checkpointer go on
    }
  } catch (error) {
    reply = error instanceof AppError ? { ok: false, code: error.code, message: error.message } : { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(reply);
};
