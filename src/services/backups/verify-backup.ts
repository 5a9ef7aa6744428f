import { createHash } from "node:crypto";
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BACKUP_MEMBERS, BackupError, MANIFEST_MEMBER, readTar, type BackupManifest } from "./backup-format";

export interface VerifiedBackup {
  manifest: BackupManifest;
  /** The members by name (manifest.json apart), each checked against the manifest. */
  members: Record<(typeof BACKUP_MEMBERS)[keyof typeof BACKUP_MEMBERS], Uint8Array>;
}

/**
 * Checks a backup file's bytes before anything is restored from it: a whole tar, the manifest
 * first and of this format, exactly the members it lists, each with its size and SHA-256. The
 * database itself is checked by restoreBackup once written out (SQLite needs a file). Throws
 * BackupError saying what is wrong.
 */
export function verifyBackup(bytes: Uint8Array): VerifiedBackup {
  const entries = readTar(bytes);
  if (entries[0]?.name !== MANIFEST_MEMBER) throw new BackupError(`This is not an LTS backup: it does not start with ${MANIFEST_MEMBER}.`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(entries[0].data)) as BackupManifest;
  } catch {
    throw new BackupError(`The backup's ${MANIFEST_MEMBER} is not valid JSON.`);
  }
  if (manifest?.format !== BACKUP_FORMAT) throw new BackupError("This is not an LTS backup (its manifest names another format).");
  if (manifest.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw new BackupError(`This backup has format version ${String(manifest.formatVersion)}; this LTS reads version ${BACKUP_FORMAT_VERSION}. Restore it with the LTS version that made it (${String(manifest.ltsVersion)}) or newer.`);
  }
  if (typeof manifest.instanceId !== "string" || typeof manifest.keyId !== "string" || !Number.isSafeInteger(manifest.migrations) || !Array.isArray(manifest.members)) {
    throw new BackupError(`The backup's ${MANIFEST_MEMBER} lacks fields it must have (instanceId, keyId, migrations, members).`);
  }

  const rest = entries.slice(1);
  const expected = Object.values(BACKUP_MEMBERS) as string[];
  const listed = manifest.members.map((m) => m.name);
  if (listed.length !== expected.length || !expected.every((name) => listed.includes(name))) {
    throw new BackupError(`The backup's manifest must list exactly ${expected.join(", ")}; it lists ${listed.join(", ") || "nothing"}.`);
  }
  if (rest.length !== expected.length || !rest.every((e) => expected.includes(e.name)) || new Set(rest.map((e) => e.name)).size !== rest.length) {
    throw new BackupError(`The backup must hold exactly ${MANIFEST_MEMBER}, ${expected.join(", ")}; it holds ${entries.map((e) => e.name).join(", ")}.`);
  }
  const members: Record<string, Uint8Array> = {};
  for (const info of manifest.members) {
    const entry = rest.find((e) => e.name === info.name)!;
    const sha256 = createHash("sha256").update(entry.data).digest("hex");
    if (entry.data.length !== info.size || sha256 !== info.sha256) {
      throw new BackupError(`The backup's ${info.name} does not match its checksum in the manifest: the file was altered or damaged. Use another copy of it.`);
    }
    members[info.name] = entry.data;
  }
  return { manifest, members: members as VerifiedBackup["members"] };
}
