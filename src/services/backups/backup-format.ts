import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, statSync, writeSync } from "node:fs";

/**
 * The backup file: a plain POSIX tar (ustar), so that `tar -tvf` lists it and `tar -xf` unpacks
 * it by hand in an emergency. Its members, in this order:
 *
 *   manifest.json      what the backup is (BackupManifest), with the SHA-256 of every other member
 *   lts.db             the database, a consistent copy made with VACUUM INTO
 *   instance-id        the data dir's marker (the database's instance id)
 *   instance-key.pem   the instance key (Ed25519, PKCS#8): the key license keys pin
 *
 * Readers are strict: a member not listed, a checksum or size that differs, a header whose own
 * checksum fails, or a file that ends before the tar's end marker is refused.
 */
export const BACKUP_FORMAT = "lts-backup";
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_MEMBER = "manifest.json";
export const BACKUP_MEMBERS = { database: "lts.db", instanceId: "instance-id", instanceKey: "instance-key.pem" } as const;
/** Backups in the data dir's backups/ folder are named so; the time is UTC. */
export const BACKUP_FILE_PATTERN = /^lts-backup-(\d{8})-(\d{6})(?:-(\d+))?\.tar$/;
export const BACKUP_CONTENT_TYPE = "application/x-tar";

export interface BackupMemberInfo {
  name: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: typeof BACKUP_FORMAT_VERSION;
  /** The LTS version that made it. */
  ltsVersion: string;
  /** How many schema migrations the database has had: a build that knows fewer cannot restore it. */
  migrations: number;
  instanceId: string;
  /** The instance key's key id (as in LTS-Signature): the key in the backup must have it. */
  keyId: string;
  createdAt: string;
  members: BackupMemberInfo[];
}

/** A backup file is not what it must be; nothing was changed. */
export class BackupError extends Error {}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar member name too long: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, "utf8");
  h.write(octal(0o600, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write("0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write(octal(checksum(h), 7) + " ", 148, "ascii");
  return h;
}

function checksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return sum;
}

/** A member's bytes: in memory, or a file copied in chunks (the database: it may be gigabytes). */
export type TarMember = { name: string; data: Uint8Array } | { name: string; file: string };

const CHUNK = 1 << 20;

/** A member's name, size and SHA-256, as the manifest lists it; a file is read in chunks. */
export function memberInfo(member: TarMember): BackupMemberInfo {
  const hash = createHash("sha256");
  let size = 0;
  forEachChunk(member, (chunk) => {
    hash.update(chunk);
    size += chunk.length;
  });
  return { name: member.name, size, sha256: hash.digest("hex") };
}

function forEachChunk(member: TarMember, use: (chunk: Uint8Array) => void): void {
  if ("data" in member) return use(member.data);
  const fd = openSync(member.file, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let n; (n = readSync(fd, buffer, 0, CHUNK, null)) > 0; ) use(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the members to `path` (mode 0600) as a ustar archive, in the order given. A file member is
 * copied a chunk at a time and must not change meanwhile (the archive would be refused on reading).
 */
export function writeTar(path: string, members: TarMember[], mtime: Date): void {
  const fd = openSync(path, "w", 0o600);
  try {
    for (const m of members) {
      const size = "data" in m ? m.data.length : statSync(m.file).size;
      writeSync(fd, header(m.name, size, mtime));
      let written = 0;
      forEachChunk(m, (chunk) => {
        written += writeSync(fd, chunk);
      });
      if (written !== size) throw new Error(`${m.name} changed while it was archived (${size} bytes expected, ${written} written)`);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad > 0) writeSync(fd, Buffer.alloc(pad));
    }
    writeSync(fd, Buffer.alloc(BLOCK * 2));
  } finally {
    closeSync(fd);
  }
}

/** The members of a ustar archive, in order; throws BackupError when it is damaged or cut short. */
export function readTar(bytes: Uint8Array): { name: string; data: Uint8Array }[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const members: { name: string; data: Uint8Array }[] = [];
  let at = 0;
  for (;;) {
    if (at + BLOCK > buf.length) throw new BackupError("The backup file is truncated (it ends before the archive's end marker). Use another copy of it.");
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return members;
    const stored = parseInt(h.toString("ascii", 148, 156).replace(/[\0 ]+$/, "").trim(), 8);
    if (h.toString("ascii", 257, 262) !== "ustar" || stored !== checksum(h)) {
      throw new BackupError("The backup file is damaged or is not an LTS backup (a tar header does not check out).");
    }
    const name = h.toString("utf8", 0, 100).replace(/\0.*$/s, "");
    const size = parseInt(h.toString("ascii", 124, 136).replace(/\0.*$/s, "").trim(), 8);
    const type = h.toString("ascii", 156, 157);
    if (!Number.isSafeInteger(size) || size < 0 || (type !== "0" && type !== "\0")) throw new BackupError(`The backup file holds an unexpected entry '${name}'; it is not an LTS backup.`);
    const start = at + BLOCK;
    if (start + size > buf.length) throw new BackupError("The backup file is truncated (a member is cut short). Use another copy of it.");
    members.push({ name, data: buf.subarray(start, start + size) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
