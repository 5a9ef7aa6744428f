import { afterEach, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memberInfo, readTar, writeTar } from "../../src/services/backups/backup-format";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function scratch(): string {
  return (dir = mkdtempSync(join(tmpdir(), "lts-tar-")));
}

describe("backup archive", () => {
  // 2.5 MiB and an odd byte: several copy chunks, the last one short, and padding after it.
  const big = randomBytes(5 * 512 * 1024 + 1);

  test("a file member is archived with the same bytes as one in memory", () => {
    const at = scratch();
    const file = join(at, "lts.db");
    writeFileSync(file, big);
    const archive = join(at, "backup.tar");
    writeTar(archive, [{ name: "note", data: Buffer.from("hi\n") }, { name: "lts.db", file }], new Date("2026-12-02T00:00:00Z"));

    const members = readTar(readFileSync(archive));
    expect(members.map((m) => m.name)).toEqual(["note", "lts.db"]);
    expect(Buffer.from(members[1]!.data).equals(big)).toBe(true);
    expect(Buffer.from(members[0]!.data).toString()).toBe("hi\n");
  });

  test("a file member's manifest entry is its size and SHA-256, read in chunks", () => {
    const file = join(scratch(), "lts.db");
    writeFileSync(file, big);
    const sha256 = createHash("sha256").update(big).digest("hex");
    expect(memberInfo({ name: "lts.db", file })).toEqual({ name: "lts.db", size: big.length, sha256 });
    expect(memberInfo({ name: "lts.db", data: big })).toEqual({ name: "lts.db", size: big.length, sha256 });
  });
});
