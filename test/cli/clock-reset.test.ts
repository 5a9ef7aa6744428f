import { describe, expect, test } from "bun:test";
import { clockResetCommand } from "../../src/cli/commands/clock-reset";
import { CommandError } from "../../src/cli/errors";
import { loadConfig } from "../../src/config";
import { closeDatabase } from "../../src/db/client";
import { dataDirAt, openDataDir } from "../../src/db/data-dir";
import { markServerRunning } from "../../src/services/backups";
import { LATEST_SEEN_SETTING, readLatestSeen } from "../../src/services/clock";
import { tempDir } from "../helpers/temp";

// README, "Clock": a clock set ahead by mistake and corrected reads as a rollback; `lts
// clock-reset --yes`, with the server stopped, moves the latest time seen back to the clock's time.

const DAY = 86_400_000;

function dataDirSeen(latestSeen: number | null) {
  const dataDir = tempDir("lts-clock-reset-");
  const db = openDataDir(dataDir);
  if (latestSeen !== null) db.$client.run("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)", [LATEST_SEEN_SETTING, new Date(latestSeen).toISOString()]);
  closeDatabase(db);
  return { dataDir, config: loadConfig({ env: {}, flags: { dataDir } }) };
}

function stored(dataDir: string) {
  const db = openDataDir(dataDir);
  try {
    const audit = db.$client.query("SELECT action, detail FROM audit_events WHERE action = 'clock.reset'").all() as { action: string; detail: string }[];
    return { latestSeen: readLatestSeen(db)?.getTime() ?? null, audit: audit.map((a) => JSON.parse(a.detail)) };
  } finally {
    closeDatabase(db);
  }
}

describe("lts clock-reset", () => {
  test("without --yes: says how far ahead the latest time seen is and changes nothing", async () => {
    const ahead = Date.now() + 3 * DAY;
    const { dataDir, config } = dataDirSeen(ahead);
    const refused = await clockResetCommand(config, { confirmed: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CommandError);
    expect((refused as Error).message).toMatch(/is 3 d ahead of this machine's clock .*run the command again with --yes/);
    expect(stored(dataDir)).toEqual({ latestSeen: ahead, audit: [] });
  });

  test("with --yes: the latest time seen becomes the clock's time, audit-logged with both", async () => {
    const ahead = Date.now() + 3 * DAY;
    const { dataDir, config } = dataDirSeen(ahead);
    const before = Date.now();
    const said = await clockResetCommand(config, { confirmed: true });
    expect(said).toContain(`The latest time seen was ${new Date(ahead).toISOString()}, 3 d ahead; it is now `);
    const after = stored(dataDir);
    expect(after.latestSeen).toBeGreaterThanOrEqual(before);
    expect(after.latestSeen).toBeLessThanOrEqual(Date.now());
    expect(after.audit).toEqual([{ latestSeen: new Date(ahead).toISOString(), now: new Date(after.latestSeen!).toISOString() }]);
  });

  test("a latest time seen not ahead (or within the 5-minute tolerance, or none) is left alone", async () => {
    for (const latestSeen of [Date.now() - DAY, Date.now() + 4 * 60_000, null]) {
      const { dataDir, config } = dataDirSeen(latestSeen);
      expect(await clockResetCommand(config, { confirmed: true })).toStartWith("Nothing to reset: the latest time seen");
      expect(stored(dataDir)).toEqual({ latestSeen, audit: [] });
    }
  });

  test("refuses while a server runs on the data dir", async () => {
    const ahead = Date.now() + 3 * DAY;
    const { dataDir, config } = dataDirSeen(ahead);
    const mark = markServerRunning(dataDirAt(dataDir));
    try {
      await expect(clockResetCommand(config, { confirmed: true })).rejects.toThrow(new RegExp(`A server \\(process ${process.pid}\\) runs on .*stop it first`));
    } finally {
      mark.release();
    }
    expect(stored(dataDir)).toEqual({ latestSeen: ahead, audit: [] });
  });
});
