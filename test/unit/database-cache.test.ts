import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { closeDatabase, openDatabase, type Db } from "../../src/db/client";
import { tempDir } from "../helpers/temp";

const cacheSize = (db: Db) => (db.$client.query("PRAGMA cache_size").get() as { cache_size: number }).cache_size;

describe("the database's page cache (--db-cache-mib)", () => {
  test("is capped at 64 MiB unless told otherwise", () => {
    const dir = tempDir("lts-cache-");
    const byDefault = openDatabase(join(dir, "a.db"));
    const small = openDatabase(join(dir, "b.db"), { cacheMib: 8 });
    expect(cacheSize(byDefault)).toBe(-64 * 1024); // negative: KiB, not pages
    expect(cacheSize(small)).toBe(-8 * 1024);
    closeDatabase(byDefault);
    closeDatabase(small);
  });

  test("lts serve opens its data dir with the configured cap", async () => {
    const dataDir = tempDir("lts-cache-serve-");
    const { startServer } = await import("../../src/server");
    const server = await startServer(loadConfig({ env: {}, flags: { dataDir, port: "0", host: "127.0.0.1", dbCacheMib: "8" } }), { out: () => {} });
    try {
      expect(cacheSize(server.deps.db)).toBe(-8 * 1024);
    } finally {
      await server.stop();
    }
  });
});
