// F3 on the compiled server: broken storage. A corrupt, truncated, foreign or newer-schema
// database, another instance's database, an unreadable or missing instance key and a read-only data dir:
// the server refuses to start with ONE message naming the file and what to do, exits non-zero,
// and replaces nothing (every file that was there has the same bytes afterwards).
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashFiles, LtsProcess, mountTmpfs, mountUnavailable, prepareInstance, runBinary, type Instance } from "./harness";
import { BINARY } from "../helpers/binary";

let pristine: Instance;
let other: Instance;
const work = mkdtempSync(join(tmpdir(), "lts-storage-"));

beforeAll(async () => {
  // Two instances that have served (instance key made, usage schema in place), stopped cleanly.
  [pristine, other] = await Promise.all([prepareInstance(), prepareInstance()]);
  for (const instance of [pristine, other]) {
    const lts = await LtsProcess.start(instance);
    expect(await lts.terminate()).toBe(0);
  }
}, 60_000);
afterAll(() => {
  pristine?.dispose();
  other?.dispose();
  rmSync(work, { recursive: true, force: true });
});

let cases = 0;
/** A copy of the pristine data dir to damage. */
function copyDataDir(): string {
  const dir = join(work, `case-${++cases}`);
  cpSync(pristine.dataDir, dir, { recursive: true });
  return dir;
}

/** Starts `lts serve` on `dataDir`; it must refuse: non-zero exit, one stderr line, nothing replaced. */
async function expectRefusal(dataDir: string, mentions: RegExp[]): Promise<string> {
  const before = hashFiles(dataDir);
  const run = await runBinary(BINARY, ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir], { timeoutMs: 15_000 });
  const after = hashFiles(dataDir);
  expect(run.code, run.stdout + run.stderr).not.toBe(0);
  const lines = run.stderr.trim().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toStartWith("lts: ");
  expect(lines[0]).not.toContain("unexpected error");
  for (const pattern of mentions) expect(lines[0]).toMatch(pattern);
  for (const [file, hash] of Object.entries(before)) expect(after[file], `${file} changed`).toBe(hash);
  return lines[0]!;
}

const dbPath = (dir: string) => join(dir, "lts.db");

describe("faults: broken storage refuses to start and replaces nothing", () => {
  test("a corrupt database (bytes overwritten in the middle)", async () => {
    const dir = copyDataDir();
    const size = statSync(dbPath(dir)).size;
    const fd = openSync(dbPath(dir), "r+");
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const line = await expectRefusal(dir, [new RegExp(dbPath(dir)), /damaged|corrupt/i, /backup/]);
    console.log(`corrupt: ${line}`);
  }, 30_000);

  test("a truncated database (cut to half)", async () => {
    const dir = copyDataDir();
    truncateSync(dbPath(dir), Math.floor(statSync(dbPath(dir)).size / 2));
    console.log(`truncated: ${await expectRefusal(dir, [new RegExp(dbPath(dir)), /backup/])}`);
  }, 30_000);

  test("a foreign file in place of the database (not SQLite)", async () => {
    const dir = copyDataDir();
    writeFileSync(dbPath(dir), "these are not the pages you are looking for\n".repeat(200));
    console.log(`foreign: ${await expectRefusal(dir, [new RegExp(dbPath(dir)), /not an LTS database|not a database/])}`);
  }, 30_000);

  test("another LTS instance's database", async () => {
    const dir = copyDataDir();
    cpSync(dbPath(other.dataDir), dbPath(dir));
    console.log(`other instance: ${await expectRefusal(dir, [new RegExp(dbPath(dir)), /another LTS instance/])}`);
  }, 30_000);

  test("a database with a newer schema (a migration this binary does not know)", async () => {
    const dir = copyDataDir();
    const db = new Database(dbPath(dir));
    db.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-the-future', ?)", [Date.now() + 365 * 86_400_000]);
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    console.log(`newer schema: ${await expectRefusal(dir, [new RegExp(dbPath(dir)), /newer/])}`);
  }, 30_000);

  test("an unreadable instance key: garbage contents, a directory in its place, or missing", async () => {
    const garbage = copyDataDir();
    writeFileSync(join(garbage, "instance-key.pem"), "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n");
    console.log(`key garbage: ${await expectRefusal(garbage, [new RegExp(join(garbage, "instance-key.pem")), /backup/])}`);

    const directory = copyDataDir();
    rmSync(join(directory, "instance-key.pem"));
    mkdirSync(join(directory, "instance-key.pem"));
    console.log(`key directory: ${await expectRefusal(directory, [new RegExp(join(directory, "instance-key.pem"))])}`);

    // Missing: the licenses imported pin it, so a new one is not made in its place.
    const missing = copyDataDir();
    rmSync(join(missing, "instance-key.pem"));
    console.log(`key missing: ${await expectRefusal(missing, [new RegExp(join(missing, "instance-key.pem")), /missing/, /backup/])}`);
    expect(existsSync(join(missing, "instance-key.pem"))).toBe(false);
  }, 30_000);

  const noMount = mountUnavailable();
  test.skipIf(noMount !== null)(`a read-only data dir (tmpfs remounted ro)${noMount ? ` — skipped: ${noMount}` : ""}`, async () => {
    const dir = join(work, "readonly");
    const mount = mountTmpfs(dir, 64);
    try {
      cpSync(pristine.dataDir, dir, { recursive: true });
      mount.remount("ro");
      console.log(`read-only: ${await expectRefusal(dir, [new RegExp(dir), /read-only|not writable/])}`);
    } finally {
      mount.unmount();
    }
  }, 30_000);
});
