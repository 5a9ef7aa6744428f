import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { closeDatabase, openDatabase } from "../../db/client";
import { DIR_MODE, FILE_MODE, type DataDir } from "../../db/data-dir";
import { transaction } from "../../db/transaction";
import { AppError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { instanceKeyFromPem } from "../instance-key";
import { BACKUP_MEMBERS, BackupError, type BackupManifest } from "./backup-format";
import { inspectDatabase, knownMigrations } from "./inspect-database";
import { runningServerPid } from "./server-pid";
import { verifyBackup } from "./verify-backup";

export interface RestoredBackup {
  manifest: BackupManifest;
  /** Where the files it replaced were moved, or null when the data dir had none. */
  replacedDir: string | null;
}

/**
 * `lts restore FILE`: puts a backup's database, instance-id and instance key in place of the data
 * dir's, with the server stopped. Refuses (CONFLICT, nothing changed) while a server runs on the
 * data dir (server-pid.ts), and (VALIDATION, nothing changed) a file that fails any check: the
 * manifest, every member's SHA-256, the database's integrity_check, the instance id agreeing in
 * manifest, marker and database, the key having the manifest's key id, a schema no newer than
 * this build's. The files replaced are moved to `<data-dir>/replaced-<time>/`, never deleted.
 * Audited as `backup.restored` in the restored database.
 */
export function restoreBackup(ctx: Pick<ServiceContext, "clock" | "actor">, input: { file: string; dir: DataDir }): RestoredBackup {
  const { dir } = input;
  const refuse = (message: string) => new AppError("VALIDATION", `${message} Nothing was changed.`, { fields: { file: message } });
  const pid = runningServerPid(dir);
  if (pid !== null) {
    throw new AppError("CONFLICT", `A server (process ${pid}) is running on ${dir.root}: stop it first ('lts service stop', or Ctrl-C where it runs), then restore. Nothing was changed.`);
  }
  if (!existsSync(input.file)) throw refuse(`There is no file ${input.file}.`);

  let verified;
  try {
    verified = verifyBackup(readFileSync(input.file));
  } catch (err) {
    if (err instanceof BackupError) throw refuse(err.message);
    throw err;
  }
  const { manifest, members } = verified;

  mkdirSync(dir.tmp, { recursive: true, mode: DIR_MODE });
  const staging = join(dir.tmp, `restore-${randomBytes(6).toString("hex")}`);
  mkdirSync(staging, { mode: DIR_MODE });
  try {
    const staged = {
      database: join(staging, BACKUP_MEMBERS.database),
      instanceId: join(staging, BACKUP_MEMBERS.instanceId),
      instanceKey: join(staging, BACKUP_MEMBERS.instanceKey),
    };
    writeFileSync(staged.database, members[BACKUP_MEMBERS.database], { mode: FILE_MODE });
    writeFileSync(staged.instanceId, members[BACKUP_MEMBERS.instanceId], { mode: FILE_MODE });
    writeFileSync(staged.instanceKey, members[BACKUP_MEMBERS.instanceKey], { mode: FILE_MODE });
    checkStaged(staged, manifest, refuse);

    const replacedDir = moveAside(dir, ctx.clock.now());
    renameSync(staged.database, dir.database);
    renameSync(staged.instanceId, dir.instanceId);
    renameSync(staged.instanceKey, dir.instanceKey);
    for (const path of [dir.database, dir.instanceId, dir.instanceKey]) chmodSync(path, FILE_MODE);

    const db = openDatabase(dir.database);
    try {
      transaction(db, (tx) =>
        recordAuditEvent(tx, ctx.clock.now(), ctx.actor, "backup.restored", { file: basename(input.file), createdAt: manifest.createdAt, instanceId: manifest.instanceId, replacedDir }),
      );
    } finally {
      closeDatabase(db);
    }
    return { manifest, replacedDir };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function checkStaged(staged: { database: string; instanceId: string; instanceKey: string }, manifest: BackupManifest, refuse: (m: string) => Error): void {
  let facts;
  try {
    facts = inspectDatabase(staged.database);
  } catch (err) {
    if (err instanceof BackupError) throw refuse(err.message);
    throw err;
  }
  const marker = readFileSync(staged.instanceId, "utf8").trim();
  if (facts.instanceId !== manifest.instanceId || marker !== manifest.instanceId) {
    throw refuse(`The backup's instance ids disagree (manifest ${manifest.instanceId}, marker ${marker}, database ${facts.instanceId}).`);
  }
  let kid: string;
  try {
    kid = instanceKeyFromPem(readFileSync(staged.instanceKey, "utf8")).kid;
  } catch {
    throw refuse("The backup's instance key is not a valid private key.");
  }
  if (kid !== manifest.keyId) throw refuse(`The backup's instance key (key id ${kid}) is not the one its manifest names (${manifest.keyId}).`);
  if (facts.migrations > knownMigrations()) {
    throw refuse(`The backup's database was made by a newer LTS (${manifest.ltsVersion}, schema step ${facts.migrations}; this build knows ${knownMigrations()}). Restore it with that version or newer.`);
  }
}

/** Moves the data dir's instance files (database, -wal, -shm, marker, key) to replaced-<time>/. */
function moveAside(dir: DataDir, at: Date): string | null {
  const present = dir.instance.filter((path) => existsSync(path));
  if (present.length === 0) return null;
  const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  let target = join(dir.root, `replaced-${stamp}`);
  for (let n = 2; existsSync(target); n++) target = join(dir.root, `replaced-${stamp}-${n}`);
  mkdirSync(target, { mode: DIR_MODE });
  for (const path of present) renameSync(path, join(target, basename(path)));
  return target;
}
