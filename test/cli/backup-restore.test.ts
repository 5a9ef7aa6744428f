import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app";
import { backupCommand } from "../../src/cli/commands/backup";
import { restoreCommand } from "../../src/cli/commands/restore";
import { CommandError } from "../../src/cli/errors";
import { loadConfig } from "../../src/config";
import { closeDatabase } from "../../src/db/client";
import { dataDirAt, openDataDir } from "../../src/db/data-dir";
import { auditEvents, instance, itemCounters, reports, usageRecords } from "../../src/db/schema";
import { buildDeps } from "../../src/deps";
import { ManualClock } from "../../src/lib/clock";
import { memoryLogger } from "../../src/lib/logger";
import { markServerRunning, verifyBackup } from "../../src/services/backups";
import { instanceKeyFromPem } from "../../src/services/instance-key";
import { MachineIdentity } from "../../src/services/machine-identity";
import { authorizeBody, deviceId, importLicense, itemOf, post, reportBody } from "../helpers/api";
import { FakeLabelReader } from "../helpers/fake-labels";
import { withMachineUuid } from "../helpers/licenses";
import { tempDir } from "../helpers/temp";
import { FakeHasher, TEST_HOST_ADDRESS, type World } from "../helpers/world";

/**
 * A server on a real data dir (file database, instance key and marker on disk, server.pid
 * written as startServer does), driven in-process through app.request() like the world helpers.
 */
async function serverOnDisk() {
  const dataDir = tempDir("lts-backup-");
  const config = loadConfig({ env: {}, flags: { dataDir } });
  const db = openDataDir(dataDir);
  const clock = new ManualClock();
  const logger = memoryLogger();
  const labels = new FakeLabelReader();
  const deps = buildDeps(config, db, logger, "http://127.0.0.1:48080/", {
    clock,
    hasher: new FakeHasher(),
    machine: new MachineIdentity(db, labels.read, logger),
    hostAddress: () => TEST_HOST_ADDRESS,
  });
  const app = createApp(deps);
  const running = markServerRunning(dataDirAt(dataDir));
  const w = { dataDir, config, clock, logger, hasher: deps.hasher, db, deps, app, setupToken: "", labels } as unknown as World;
  const uuid = await withMachineUuid(w);
  importLicense(w, uuid, { items: [itemOf({ chargeWay: "scan", quantity: 1_000_000 })] });
  const stop = () => {
    closeDatabase(db);
    running.release();
  };
  return { w, config, dataDir, db, deps, stop };
}

const configFor = (dataDir: string) => loadConfig({ env: {}, flags: { dataDir } });

/** A copy of every file in the data dir's top level, to prove that a refusal changed nothing. */
function snapshot(dataDir: string): Record<string, string> {
  if (!existsSync(dataDir)) return {};
  return Object.fromEntries(
    readdirSync(dataDir)
      .filter((name) => statSync(join(dataDir, name)).isFile())
      .map((name) => [name, readFileSync(join(dataDir, name)).toString("base64")]),
  );
}

async function madeBackup() {
  const s = await serverOnDisk();
  const out = join(tempDir(), "backup.tar");
  await backupCommand(s.config, { out });
  s.stop();
  return { ...s, out };
}

describe("lts backup / lts restore", () => {
  test("a backup taken while reports are written restores a consistent snapshot with every report acknowledged before it, and the same instance id and key", async () => {
    const s = await serverOnDisk();
    expect((await post(s.w, "authorize", authorizeBody({ chargeWay: "scan" }))).status).toBe(200);

    const acknowledged: string[] = [];
    const scansOf = new Map<string, number>();
    let stopLoad = false;
    const load = (async () => {
      for (let n = 0; !stopLoad; n++) {
        const body = reportBody(s.w, { records: [{ slot: "2026-11-28T12:00:00.000Z", counts: { scans: 1 + (n % 3) } }] });
        scansOf.set(body.reportId as string, 1 + (n % 3));
        const answer = await post(s.w, "report", body);
        expect(answer.status).toBe(200);
        acknowledged.push(body.reportId as string);
        if (n % 5 === 0) await post(s.w, "authorize", authorizeBody({ chargeWay: "scan", device: { uuid: deviceId(1) } }));
      }
    })();
    while (acknowledged.length < 30) await Bun.sleep(1);

    const before = [...acknowledged];
    const out = join(tempDir(), "mid-load.tar");
    const printed = await backupCommand(s.config, { out });
    expect(printed).toContain(`Backup written to ${out}`);
    const after = acknowledged.length;
    while (acknowledged.length < after + 20) await Bun.sleep(1);
    stopLoad = true;
    await load;
    const original = { instanceId: s.db.select().from(instance).get()!.instanceId, kid: s.deps.instanceKey.kid, publicKey: s.deps.instanceKey.publicKey };
    const finalCount = acknowledged.length;
    s.stop();

    const fresh = join(tempDir(), "restored");
    const restored = await restoreCommand(configFor(fresh), { file: out });
    expect(restored).toContain("The data dir had no database before.");
    for (const file of [dataDirAt(fresh).database, dataDirAt(fresh).instanceId, dataDirAt(fresh).instanceKey]) expect(statSync(file).mode & 0o777).toBe(0o600);

    const db = openDataDir(fresh);
    try {
      expect(db.$client.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const ids = new Set(db.select({ id: reports.reportId }).from(reports).all().map((r) => r.id));
      for (const id of before) expect(ids.has(id)).toBe(true);
      expect(ids.size).toBeGreaterThanOrEqual(before.length);
      expect(ids.size).toBeLessThan(finalCount);
      // A snapshot, not a mix: the counter, the usage rows and the reports agree with each other.
      const consumed = db.select().from(itemCounters).all().reduce((sum, r) => sum + r.consumed, 0);
      const usage = db.select().from(usageRecords).all().reduce((sum, r) => sum + r.count, 0);
      expect(consumed).toBe(usage);
      expect(consumed).toBe([...ids].reduce((sum, id) => sum + scansOf.get(id)!, 0));
      expect(db.select().from(instance).get()!.instanceId).toBe(original.instanceId);
      expect(db.select().from(auditEvents).all().map((e) => e.action)).toContain("backup.restored");
    } finally {
      closeDatabase(db);
    }
    const key = instanceKeyFromPem(readFileSync(dataDirAt(fresh).instanceKey, "utf8"));
    expect({ kid: key.kid, publicKey: key.publicKey }).toEqual({ kid: original.kid, publicKey: original.publicKey });
    expect(readFileSync(dataDirAt(fresh).instanceId, "utf8").trim()).toBe(original.instanceId);
  });

  test("the backup is a tar with a manifest: version, schema step, instance id, time and the SHA-256 of each member; the backup is audited", async () => {
    const s = await serverOnDisk();
    const out = join(tempDir(), "b.tar");
    await backupCommand(s.config, { out });
    const { manifest, members } = verifyBackup(readFileSync(out));
    expect(manifest).toMatchObject({ format: "lts-backup", formatVersion: 1, instanceId: s.db.select().from(instance).get()!.instanceId, keyId: s.deps.instanceKey.kid });
    expect(manifest.migrations).toBeGreaterThan(0);
    expect(manifest.members.map((m) => m.name)).toEqual(["lts.db", "instance-id", "instance-key.pem"]);
    expect(new TextDecoder().decode(members["instance-key.pem"])).toBe(readFileSync(dataDirAt(s.dataDir).instanceKey, "utf8"));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const audit = s.db.select().from(auditEvents).all().find((e) => e.action === "backup.created")!;
    expect(audit.actor).toBe("console");
    expect(JSON.parse(audit.detail!)).toMatchObject({ file: out, trigger: "console" });
    // Nothing is left in the data dir's tmp folder.
    expect(readdirSync(dataDirAt(s.dataDir).tmp)).toEqual([]);
    s.stop();
  });

  test("backup refuses an --out file that exists, writing nothing", async () => {
    const s = await serverOnDisk();
    const out = join(tempDir(), "exists.tar");
    writeFileSync(out, "keep me");
    await expect(backupCommand(s.config, { out })).rejects.toThrow(/already exists/);
    expect(readFileSync(out, "utf8")).toBe("keep me");
    s.stop();
  });

  test("restore refuses while a server runs on the data dir, and works once it has stopped; the replaced files are kept aside", async () => {
    const { out } = await madeBackup();
    const target = await serverOnDisk();
    const before = snapshot(target.dataDir);
    const refused = restoreCommand(target.config, { file: out });
    await expect(refused).rejects.toBeInstanceOf(CommandError);
    await expect(restoreCommand(target.config, { file: out })).rejects.toThrow(/is running on .*stop it first/);
    expect(snapshot(target.dataDir)).toEqual(before);

    const oldInstanceId = target.db.select().from(instance).get()!.instanceId;
    target.stop();
    expect(existsSync(dataDirAt(target.dataDir).serverPid)).toBe(false);
    const text = await restoreCommand(target.config, { file: out });
    const aside = readdirSync(target.dataDir).find((n) => n.startsWith("replaced-"))!;
    expect(text).toContain(join(target.dataDir, aside));
    expect(readFileSync(join(target.dataDir, aside, "instance-id"), "utf8").trim()).toBe(oldInstanceId);
    expect(readdirSync(join(target.dataDir, aside))).toContain("lts.db");
    expect(readdirSync(join(target.dataDir, aside))).toContain("instance-key.pem");
    // The restored data dir opens (its marker, database and key belong together).
    closeDatabase(openDataDir(target.dataDir));
  });

  test("the server marks the data dir with its process id while it runs", async () => {
    const dataDir = tempDir("lts-pid-");
    const { startServer } = await import("../../src/server");
    const server = await startServer(loadConfig({ env: {}, flags: { dataDir, port: "0", host: "127.0.0.1" } }), { out: () => {} });
    try {
      expect(readFileSync(dataDirAt(dataDir).serverPid, "utf8").trim()).toBe(String(process.pid));
      const { out } = await madeBackup();
      await expect(restoreCommand(configFor(dataDir), { file: out })).rejects.toThrow(`A server (process ${process.pid}) is running on ${dataDir}`);
    } finally {
      await server.stop();
    }
    expect(existsSync(dataDirAt(dataDir).serverPid)).toBe(false);
    // …and records the clean stop, so that the next start skips the whole-file integrity check.
    expect(existsSync(dataDirAt(dataDir).cleanStop)).toBe(true);
  });

  test("a server.pid left by a process that has ended does not block a restore", async () => {
    const { out } = await madeBackup();
    const dataDir = join(tempDir(), "stale");
    const dead = Bun.spawnSync(["true"]).pid;
    mkdirSync(dataDir);
    writeFileSync(dataDirAt(dataDir).serverPid, `${dead}\n`);
    expect(await restoreCommand(configFor(dataDir), { file: out })).toContain("Restored");
  });

  test("restore refuses a tampered backup and a truncated one, changing nothing", async () => {
    const { out } = await madeBackup();
    const target = await serverOnDisk();
    target.stop();
    const before = snapshot(target.dataDir);
    const bytes = readFileSync(out);

    const tampered = Buffer.from(bytes);
    // A byte inside the database member (after the manifest's header and body, and lts.db's header).
    tampered[4096 + 100]! ^= 0xff;
    const tamperedFile = join(tempDir(), "tampered.tar");
    writeFileSync(tamperedFile, tampered);
    await expect(restoreCommand(target.config, { file: tamperedFile })).rejects.toThrow(/lts\.db does not match its checksum.*Nothing was changed/s);

    for (const length of [bytes.length - 1024, bytes.length - 5000, 700, 0]) {
      const truncated = join(tempDir(), `truncated-${length}.tar`);
      writeFileSync(truncated, bytes.subarray(0, length));
      await expect(restoreCommand(target.config, { file: truncated })).rejects.toThrow(/truncated.*Nothing was changed/s);
    }
    await expect(restoreCommand(target.config, { file: join(tempDir(), "missing.tar") })).rejects.toThrow(/There is no file/);
    expect(snapshot(target.dataDir)).toEqual(before);
    expect(readdirSync(target.dataDir).some((n) => n.startsWith("replaced-"))).toBe(false);
  });

  test("restore refuses a backup whose key does not belong to its instance", async () => {
    const { out } = await madeBackup();
    const other = await madeBackup();
    // Rebuild the archive with the other instance's key and a manifest whose checksums fit it.
    const { writeTar } = await import("../../src/services/backups");
    const { manifest, members } = verifyBackup(readFileSync(out));
    const foreignKey = verifyBackup(readFileSync(other.out)).members["instance-key.pem"];
    const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
    const forged = { ...manifest, members: manifest.members.map((m) => (m.name === "instance-key.pem" ? { ...m, size: foreignKey.length, sha256: sha(foreignKey) } : m)) };
    const file = join(tempDir(), "forged.tar");
    writeTar(file, [{ name: "manifest.json", data: Buffer.from(JSON.stringify(forged)) }, { name: "lts.db", data: members["lts.db"] }, { name: "instance-id", data: members["instance-id"] }, { name: "instance-key.pem", data: foreignKey }], new Date());
    const target = join(tempDir(), "forged-target");
    await expect(restoreCommand(configFor(target), { file })).rejects.toThrow(/instance key .* is not the one its manifest names/);
    expect(existsSync(dataDirAt(target).database)).toBe(false);
  });

  test("the restored database's integrity is checked before anything is replaced", async () => {
    const { out } = await madeBackup();
    const { writeTar } = await import("../../src/services/backups");
    const { manifest, members } = verifyBackup(readFileSync(out));
    // A database file that SQLite cannot read, with a manifest that vouches for it.
    const broken = Buffer.from(members["lts.db"]);
    broken.fill(0x41, 100, 4096);
    const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
    const forged = { ...manifest, members: manifest.members.map((m) => (m.name === "lts.db" ? { ...m, sha256: sha(broken) } : m)) };
    const file = join(tempDir(), "broken.tar");
    writeTar(file, [{ name: "manifest.json", data: Buffer.from(JSON.stringify(forged)) }, { name: "lts.db", data: broken }, { name: "instance-id", data: members["instance-id"] }, { name: "instance-key.pem", data: members["instance-key.pem"] }], new Date());
    const target = join(tempDir(), "broken-target");
    await expect(restoreCommand(configFor(target), { file })).rejects.toThrow(/database copy|integrity/);
    expect(existsSync(dataDirAt(target).database)).toBe(false);
  });

  test("restore refuses a backup whose schema is newer than this build's", async () => {
    const { out } = await madeBackup();
    const { writeTar } = await import("../../src/services/backups");
    const { Database } = await import("bun:sqlite");
    const { manifest, members } = verifyBackup(readFileSync(out));
    const copy = join(tempDir(), "newer.db");
    writeFileSync(copy, members["lts.db"]);
    const sqlite = new Database(copy);
    sqlite.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-the-future', 9999999999999)");
    sqlite.close();
    const newer = readFileSync(copy);
    const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
    const forged = { ...manifest, members: manifest.members.map((m) => (m.name === "lts.db" ? { ...m, size: newer.length, sha256: sha(newer) } : m)) };
    const file = join(tempDir(), "newer.tar");
    writeTar(file, [{ name: "manifest.json", data: Buffer.from(JSON.stringify(forged)) }, { name: "lts.db", data: newer }, { name: "instance-id", data: members["instance-id"] }, { name: "instance-key.pem", data: members["instance-key.pem"] }], new Date());
    const target = join(tempDir(), "newer-target");
    await expect(restoreCommand(configFor(target), { file })).rejects.toThrow(/made by a newer LTS/);
    expect(existsSync(dataDirAt(target).database)).toBe(false);
  });
});
