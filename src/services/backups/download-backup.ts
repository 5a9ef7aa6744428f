import type { DataDir } from "../../db/data-dir";
import { transaction } from "../../db/transaction";
import { AppError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { findBackup, type BackupFile } from "./backup-files";

/**
 * A backup in `<data-dir>/backups/` handed to the admin (portal download): audited as
 * `backup.downloaded`. Throws NOT_FOUND for a name that is not one of the backups there.
 */
export function downloadBackup(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, input: { dir: DataDir; name: string }): BackupFile {
  const file = findBackup(input.dir, input.name);
  if (!file) throw new AppError("NOT_FOUND", `There is no backup called ${input.name.slice(0, 80)} in the backups folder. Open the Backups page to see the ones there are.`);
  transaction(ctx.db, (tx) => recordAuditEvent(tx, ctx.clock.now(), ctx.actor, "backup.downloaded", { file: file.name, size: file.size }));
  return file;
}
