import { describe, expect, test } from "bun:test";
import { closeDatabase } from "../../src/db/client";
import { dataDirAt, openDataDir } from "../../src/db/data-dir";
import { auditEvents } from "../../src/db/schema";
import { BACKUP_CHECK_MS, backupJob, Scheduler } from "../../src/jobs";
import { ManualClock } from "../../src/lib/clock";
import { memoryLogger } from "../../src/lib/logger";
import { listBackups, setBackupSettings, verifyBackup } from "../../src/services/backups";
import { readFileSync, writeFileSync } from "node:fs";
import { tempDir } from "../helpers/temp";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A data dir on disk with the backup job on a ManualClock (2026-11-28 12:00 UTC). */
function setup(settings?: { enabled?: string; keep: string; hourUtc: string }) {
  const dataDir = tempDir("lts-job-");
  const db = openDataDir(dataDir);
  const clock = new ManualClock();
  const logger = memoryLogger();
  if (settings) setBackupSettings({ db, clock, actor: { kind: "admin", ip: null } }, settings);
  const scheduler = new Scheduler(clock, logger);
  scheduler.add(backupJob({ db, clock, logger, settings: { dataDir } }));
  const dir = dataDirAt(dataDir);
  const names = () => listBackups(dir).map((b) => b.name);
  /** Moves the clock on check by check, letting each backup's thread finish (as real time would). */
  const advance = async (ms: number) => {
    for (let done = 0; done < ms; done += BACKUP_CHECK_MS) {
      clock.advance(Math.min(BACKUP_CHECK_MS, ms - done));
      await scheduler.idle();
    }
  };
  return { db, clock, dir, names, logger, advance, scheduler, close: async () => (await scheduler.stop(), closeDatabase(db)) };
}

describe("scheduled backups", () => {
  test("by default: once a day at 03:00 UTC into <data-dir>/backups, keeping the newest 7", async () => {
    const w = setup();
    // 12:00: the day's 03:00 has passed without a backup, so the first check makes one.
    await w.advance(BACKUP_CHECK_MS);
    expect(w.names()).toEqual(["lts-backup-20261128-121000.tar"]);
    // Nothing more that day, however often the job looks.
    await w.advance(14 * HOUR);
    expect(w.names()).toHaveLength(1);
    // Then one each day at the first check from 03:00 on (the checks fall on the hour here), until 02:10 on Dec 9.
    await w.advance(10 * DAY);
    const names = w.names();
    expect(names).toHaveLength(7);
    expect(names[0]).toBe("lts-backup-20261208-030000.tar");
    expect(names.at(-1)).toBe("lts-backup-20261202-030000.tar");
    const made = w.db.select().from(auditEvents).all().filter((e) => e.action === "backup.created");
    expect(made).toHaveLength(11);
    expect(made.every((e) => e.actor === "system" && JSON.parse(e.detail!).trigger === "scheduled")).toBe(true);
    expect(verifyBackup(readFileSync(listBackups(w.dir)[0]!.path)).manifest.createdAt).toBe("2026-12-08T03:00:00.000Z");
    await w.close();
  });

  test("keeps the number of backups and uses the hour the settings give", async () => {
    const w = setup({ enabled: "on", keep: "2", hourUtc: "13" });
    await w.advance(BACKUP_CHECK_MS); // 12:10 on the 28th; yesterday's 13:00 had no backup
    await w.advance(40 * 60_000); // 12:50
    expect(w.names()).toEqual(["lts-backup-20261128-121000.tar"]);
    await w.advance(2 * DAY + 70 * 60_000); // 14:00 on the 30th
    expect(w.names()).toEqual(["lts-backup-20261130-130000.tar", "lts-backup-20261129-130000.tar"]);
    await w.close();
  });

  test("the backup is made on a thread of its own: the check returns at once, the file comes when the thread is done", async () => {
    const w = setup();
    w.clock.advance(BACKUP_CHECK_MS); // the check starts the backup and returns
    expect(w.names()).toEqual([]);
    await w.scheduler.idle();
    expect(w.names()).toEqual(["lts-backup-20261128-121000.tar"]);
    expect(verifyBackup(readFileSync(listBackups(w.dir)[0]!.path)).manifest.createdAt).toBe("2026-11-28T12:10:00.000Z");
    await w.close();
  });

  test("a backup that fails on its thread is logged as the job's failure, with createBackup's reason", async () => {
    const w = setup();
    writeFileSync(w.dir.tmp, "a file where the folder for the copy belongs");
    await w.advance(BACKUP_CHECK_MS);
    const failure = w.logger.lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === "job failed");
    expect(failure).toMatchObject({ job: "backup", error: { message: expect.stringContaining(w.dir.tmp) } });
    expect(w.names()).toEqual([]);
    await w.close();
  });

  test("makes none while scheduled backups are off", async () => {
    const w = setup({ keep: "7", hourUtc: "3" });
    await w.advance(3 * DAY);
    expect(w.names()).toEqual([]);
    await w.close();
  });
});
