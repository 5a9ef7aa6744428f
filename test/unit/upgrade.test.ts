import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { closeDatabase } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { loadOrCreateInstanceKey } from "../../src/services/instance-key";
import { fixtureSnapshot } from "../fixtures/upgrade/snapshot";
import { tempDir } from "../helpers/temp";

// An upgrade: this version's code opens a data dir written by an older release and migrates it
// forward, losing nothing. Each folder of test/fixtures/upgrade/ is one older release's data dir
// (scripts/make-upgrade-fixture.ts; never regenerated), with what it held in expected.json.

const FIXTURES = resolve(import.meta.dir, "../fixtures/upgrade");
const JOURNAL = JSON.parse(readFileSync(resolve(import.meta.dir, "../../drizzle/meta/_journal.json"), "utf8")) as { entries: { when: number; tag: string }[] };
const releases = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, "expected.json")));

describe("upgrade from an older release's data dir", () => {
  test("there is at least one fixture to upgrade from", () => {
    expect(releases.length).toBeGreaterThan(0);
  });

  for (const release of releases) {
    test(`${release}: opens, migrates to the latest migration, and keeps every row and key`, () => {
      const expected = JSON.parse(readFileSync(join(FIXTURES, release, "expected.json"), "utf8"));
      const dataDir = join(tempDir("lts-upgrade-"), "data");
      cpSync(join(FIXTURES, release, "data"), dataDir, { recursive: true });
      expect(existsSync(join(dataDir, "lts.db-wal"))).toBe(false);

      const db = openDataDir(dataDir);
      try {
        const applied = db.$client.query<{ created_at: number }, []>("SELECT created_at FROM __drizzle_migrations ORDER BY created_at").all();
        expect(applied).toHaveLength(JOURNAL.entries.length);
        expect(applied.at(-1)!.created_at).toBe(JOURNAL.entries.at(-1)!.when);

        const instanceKey = loadOrCreateInstanceKey(dataDir, db);
        const now = fixtureSnapshot(db, instanceKey);
        expect(now.instancePublicKey).toBe(expected.instancePublicKey);
        expect(now.counts).toEqual(expected.counts);
        expect(now.consumed).toBe(expected.consumed);
        expect(now.usageTotal).toBe(expected.usageTotal);
        expect(now.licenseKeys).toEqual(expected.licenseKeys);
        expect(Object.values(now.licenseKeys).every((k) => typeof k === "string")).toBe(true);
        // Migration 0008: the hot path's lookup tables read one b-tree (drizzle's schema cannot say so).
        const withoutRowid = db.$client.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID' ORDER BY name").all();
        expect(withoutRowid.map((t) => t.name)).toEqual(["device_days", "grants", "item_devices"]);
        // Migration 0010 counted each code's distinct devices from the grants it found.
        const perCode = db.$client.query("SELECT code_id AS code, count(DISTINCT device_uuid) AS devices FROM grants GROUP BY code_id ORDER BY 1").all();
        expect(perCode.length).toBeGreaterThan(0);
        expect(db.$client.query("SELECT code_id AS code, devices FROM code_counters ORDER BY 1").all()).toEqual(perCode);
      } finally {
        closeDatabase(db);
      }
    });
  }
});
