import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { closeDatabase } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { auditEvents, settings } from "../../src/db/schema";
import { decodeLicenseKey } from "../../src/domain/license-key";
import { loadOrCreateInstanceKey } from "../../src/services/instance-key";
import { activatedLicense, signed } from "../helpers/licenses";
import { tempDir } from "../helpers/temp";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const STANDBY_KEY = Buffer.alloc(32, 9).toString("base64url");

async function lts(args: string[]) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** A data dir with a machine UUID and license 1000001 imported twice over: codes 100200-1000001 (default) and 100200-appB. */
async function dataDirWithCodes() {
  const dataDir = tempDir("lts-codes-");
  const generated = await lts(["uuid", "generate", "--labels", "machine-id", "--yes", "--data-dir", dataDir]);
  expect(generated.code).toBe(0);
  const uuid = generated.stdout.match(/[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}/)![0];
  const first = join(dataDir, "first.lic");
  writeFileSync(first, signed(activatedLicense(uuid)));
  const second = join(dataDir, "second.lic");
  writeFileSync(second, signed(activatedLicense(uuid, { licenseId: "1000002", items: [{ ...activatedLicense(uuid).items[0]!, itemId: "2000009" }] })));
  expect((await lts(["import", first, "--data-dir", dataDir])).code).toBe(0);
  expect((await lts(["import", second, "--code", "appB", "--data-dir", dataDir])).code).toBe(0);
  const db = openDataDir(dataDir);
  const publicKey = loadOrCreateInstanceKey(dataDir, db).publicKey;
  closeDatabase(db);
  return { dataDir, publicKey };
}

describe("lts codes", () => {
  test("prints one line per code, sorted: code, default|-, enabled|disabled, item ids, license key; --json an array", async () => {
    const { dataDir, publicKey } = await dataDirWithCodes();
    const { code, stdout, stderr } = await lts(["codes", "--data-dir", dataDir]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const lines = stdout.trimEnd().split("\n").map((l) => l.split(" "));
    expect(lines.map((l) => l.slice(0, 4))).toEqual([
      ["100200-1000001", "default", "enabled", "2000001,2000002,2000003"],
      ["100200-appB", "-", "enabled", "2000009"],
    ]);
    const key = decodeLicenseKey(lines[0]![4]!);
    expect(key).toMatchObject({ hc: "100200-1000001", org: "100200", pk: [publicKey] });
    expect(key.main).toMatch(/^http:\/\/[0-9.]+:48080\/$/); // this host's first non-loopback IPv4, or 127.0.0.1

    const json = await lts(["codes", "--json", "--data-dir", dataDir]);
    expect(json.code).toBe(0);
    const codes = JSON.parse(json.stdout);
    expect(codes).toHaveLength(2);
    expect(codes[1]).toMatchObject({ code: "100200-appB", organizationId: "100200", suffix: "appB", default: false, enabled: true, itemIds: ["2000009"], sessionPassword: false, devices: 0 });
    expect(decodeLicenseKey(codes[1].licenseKey).hc).toBe("100200-appB");

    // The default main URL follows the server's port and base path.
    const proxied = await lts(["codes", "--port", "9000", "--base-path", "/lts", "--data-dir", dataDir]);
    expect(decodeLicenseKey(proxied.stdout.split("\n")[0]!.split(" ")[4]!).main).toMatch(/^http:\/\/[0-9.]+:9000\/lts\/$/);
  });

  test("an empty data dir has no codes: no lines, and [] as JSON", async () => {
    const dataDir = tempDir("lts-codes-");
    expect(await lts(["codes", "--data-dir", dataDir])).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(JSON.parse((await lts(["codes", "--json", "--data-dir", dataDir])).stdout)).toEqual([]);
  });
});

describe("lts server-url", () => {
  test("sets the URLs every key carries: lts codes then shows the new main, the standby and its key", async () => {
    const { dataDir, publicKey } = await dataDirWithCodes();
    const set = await lts(["server-url", "--main", "https://LTS.example.com/lts", "--standby", "https://standby.example.com", "--standby-key", STANDBY_KEY, "--data-dir", dataDir]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("Server URLs saved.");
    expect(set.stdout).toContain("main     https://lts.example.com/lts/");
    const key = decodeLicenseKey((await lts(["codes", "--data-dir", dataDir])).stdout.split("\n")[0]!.split(" ")[4]!);
    expect(key).toEqual({ hc: "100200-1000001", org: "100200", main: "https://lts.example.com/lts/", standby: "https://standby.example.com/", pk: [publicKey, STANDBY_KEY] });

    const again = await lts(["server-url", "--main", "https://lts.example.com/lts/", "--data-dir", dataDir]);
    expect(again.stdout).toContain("standby  none");
    const db = openDataDir(dataDir);
    try {
      expect(db.select().from(settings).all().map((s) => s.key).filter((k) => k.startsWith("server."))).toEqual(["server.mainUrl"]);
      expect(db.select().from(auditEvents).all().filter((e) => e.action === "server-url.changed").map((e) => e.actor)).toEqual(["console", "console"]);
    } finally {
      closeDatabase(db);
    }
  });

  test("a bad URL or a standby without its key is refused with exit 1, naming the option; no --main is a usage error", async () => {
    const dataDir = tempDir("lts-codes-");
    const bad = await lts(["server-url", "--main", "lts.example.com", "--data-dir", dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("lts: --main: This is not an absolute URL.");
    expect(bad.stderr).toContain("Nothing changed.");
    const noKey = await lts(["server-url", "--main", "https://lts.example.com/", "--standby", "https://standby.example.com/", "--data-dir", dataDir]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain("--standby-key: ");
    const missing = await lts(["server-url", "--data-dir", dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("lts server-url --main URL");
    const db = openDataDir(dataDir);
    try {
      expect(db.select().from(settings).all()).toEqual([]);
    } finally {
      closeDatabase(db);
    }
  });
});
