import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { withDataDir } from "../../src/cli/with-data-dir";
import { loadConfig } from "../../src/config";
import type { Db } from "../../src/db/client";
import { tempDir } from "../helpers/temp";

const configFor = (dataDir: string) => loadConfig({ env: {}, flags: { dataDir } });
const isOpen = (db: Db) => {
  try {
    db.$client.query("SELECT 1").get();
    return true;
  } catch {
    return false;
  }
};

describe("withDataDir", () => {
  test("hands the callback the console's context on the data dir's database, returns its result, and closes the database", () => {
    const config = configFor(tempDir("lts-withdir-"));
    let seen: Db | undefined;
    const result = withDataDir(config, (ctx) => {
      seen = ctx.db;
      expect(isOpen(ctx.db)).toBe(true);
      expect(ctx.actor).toEqual({ kind: "console", ip: null });
      expect(ctx.config).toBe(config);
      expect(statSync(ctx.dir.database).isFile()).toBe(true);
      return "done";
    });
    expect(result).toBe("done");
    expect(isOpen(seen!)).toBe(false);
  });

  test("closes the database when the callback throws, and passes the error on", () => {
    let seen: Db | undefined;
    expect(() =>
      withDataDir(configFor(tempDir("lts-withdir-")), ({ db }) => {
        seen = db;
        throw new Error("refused");
      }),
    ).toThrow("refused");
    expect(isOpen(seen!)).toBe(false);
  });

  test("an async callback: the database stays open until its promise settles, then closes, also on rejection", async () => {
    const config = configFor(tempDir("lts-withdir-"));
    let seen: Db | undefined;
    let openWhileRunning = false;
    const resolved = await withDataDir(config, async ({ db }) => {
      seen = db;
      await Promise.resolve();
      openWhileRunning = isOpen(db);
      return 42;
    });
    expect({ resolved, openWhileRunning, openAfter: isOpen(seen!) }).toEqual({ resolved: 42, openWhileRunning: true, openAfter: false });

    const rejected = withDataDir(config, async ({ db }) => {
      seen = db;
      await Promise.resolve();
      throw new Error("refused later");
    });
    await expect(rejected).rejects.toThrow("refused later");
    expect(isOpen(seen!)).toBe(false);
  });
});
