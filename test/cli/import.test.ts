import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { closeDatabase } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { auditEvents, handshakeCodes, licenseItems, licenses } from "../../src/db/schema";
import { activatedLicense, signed } from "../helpers/licenses";
import { tempDir } from "../helpers/temp";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");

async function lts(args: string[]) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** A data dir with a machine UUID from this machine's machine-id (present here and on CI). */
async function dataDirWithUuid() {
  const dataDir = tempDir("lts-import-");
  const generated = await lts(["uuid", "generate", "--labels", "machine-id", "--yes", "--data-dir", dataDir]);
  expect(generated.code).toBe(0);
  const uuid = generated.stdout.match(/[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}/)![0];
  return { dataDir, uuid };
}

function read(dataDir: string) {
  const db = openDataDir(dataDir);
  try {
    return {
      licenses: db.select().from(licenses).all(),
      items: db.select().from(licenseItems).all(),
      codes: db.select().from(handshakeCodes).all().map((c) => c.code),
      audit: db.select().from(auditEvents).all().map((e) => [e.actor, e.action]),
    };
  } finally {
    closeDatabase(db);
  }
}

describe("lts import", () => {
  test("imports an activated file, prints its items and the code, audited as the console", async () => {
    const { dataDir, uuid } = await dataDirWithUuid();
    const file = join(dataDir, "activated.lic");
    writeFileSync(file, signed(activatedLicense(uuid)));
    const { code, stdout } = await lts(["import", file, "--data-dir", dataDir]);
    expect(code).toBe(0);
    expect(stdout).toContain("License 1000001 with 3 item(s) will be added.");
    expect(stdout).toContain("New items are attached to handshake code 100200-1000001.");
    expect(stdout).toMatch(/2000002\s+device\s+50/);
    const after = read(dataDir);
    expect(after.items).toHaveLength(3);
    expect(after.codes).toEqual(["100200-1000001"]);
    expect(after.audit).toContainEqual(["console", "license.imported"]);
  });

  test("--code attaches the items to {org}-SUFFIX; the same file again is a no-op (exit 0)", async () => {
    const { dataDir, uuid } = await dataDirWithUuid();
    const file = join(dataDir, "activated.lic");
    writeFileSync(file, signed(activatedLicense(uuid)));
    expect((await lts(["import", file, "--code", "appA", "--data-dir", dataDir])).stdout).toContain("100200-appA");
    const again = await lts(["import", file, "--data-dir", dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already imported from this very file");
    expect(read(dataDir).codes).toEqual(["100200-appA"]);
  });

  test("refuses a file bound to another UUID with exit 1, showing this server's UUID, changing nothing", async () => {
    const { dataDir, uuid } = await dataDirWithUuid();
    const file = join(dataDir, "other.lic");
    writeFileSync(file, signed(activatedLicense("FFFFFFFF-0000-1111-2222-333333333333")));
    const { code, stderr } = await lts(["import", file, "--data-dir", dataDir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`whose UUID is ${uuid}`);
    expect(read(dataDir).licenses).toHaveLength(0);
  });

  test("a missing file, a bad suffix and a missing argument are refused clearly", async () => {
    const { dataDir, uuid } = await dataDirWithUuid();
    const missing = await lts(["import", join(dataDir, "nope.lic"), "--data-dir", dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no such file");
    const file = join(dataDir, "activated.lic");
    writeFileSync(file, signed(activatedLicense(uuid)));
    const badSuffix = await lts(["import", file, "--code", "no spaces", "--data-dir", dataDir]);
    expect(badSuffix.code).toBe(1);
    expect(badSuffix.stderr).toContain("letters, digits");
    expect((await lts(["import", "--data-dir", dataDir])).code).toBe(2);
    expect(read(dataDir).licenses).toHaveLength(0);
  });
});
