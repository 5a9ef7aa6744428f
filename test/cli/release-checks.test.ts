// The release script's refusal of a binary with the wrong argon2 binding (scripts/release.ts), on
// stand-in files: the real archives are tested in test/e2e/release.test.ts.
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { argon2PlatformFor, embeddedArgon2Bindings } from "../../scripts/argon2-binding";
import { buildCommit, commitDefine, compileCommand } from "../../scripts/build";
import { checkArgon2Bindings } from "../../scripts/release";
import { tempDir } from "../helpers/temp";

/** A stand-in binary holding these embedded-file names among other bytes. */
function fakeBinary(...embedded: string[]): string {
  const file = join(tempDir("lts-fake-bin-"), "lts");
  const loaderStrings = `require("./argon2.linux-x64-gnu.node") require("./argon2.win32-x64-msvc.node") main:"argon2.linux-arm64-gnu.node"`;
  writeFileSync(file, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]), Buffer.from(`${loaderStrings} ${embedded.join(" ")} `, "latin1")]));
  return file;
}

describe("the argon2 binding a binary embeds", () => {
  test("is read from the embedded file names (Linux and Windows roots), not from the loader's strings", () => {
    expect(embeddedArgon2Bindings(fakeBinary("/$bunfs/root/argon2.linux-arm64-gnu-0qbdmmht.node"))).toEqual(["linux-arm64-gnu"]);
    expect(embeddedArgon2Bindings(fakeBinary("B:/~BUN/root/argon2.win32-x64-msvc-cjgt8w8m.node"))).toEqual(["win32-x64-msvc"]);
    expect(embeddedArgon2Bindings(fakeBinary())).toEqual([]);
  });

  test("its own platform's binding, and no other, passes", () => {
    const lts = fakeBinary("B:/~BUN/root/argon2.win32-x64-msvc-cjgt8w8m.node");
    expect(() => checkArgon2Bindings({ lts, vendor: fakeBinary() }, "bun-windows-x64")).not.toThrow();
  });

  test("a missing, foreign or extra binding fails the release, naming the binary", () => {
    const linux = fakeBinary("/$bunfs/root/argon2.linux-x64-gnu-0qbdmmht.node");
    const none = fakeBinary();
    const both = fakeBinary("B:/~BUN/root/argon2.win32-x64-msvc-cjgt8w8m.node", "B:/~BUN/root/argon2.linux-x64-gnu-0qbdmmht.node");
    expect(() => checkArgon2Bindings({ lts: linux, vendor: none }, "bun-windows-x64")).toThrow(`${linux} embeds the argon2 binding(s) [linux-x64-gnu], not exactly win32-x64-msvc`);
    expect(() => checkArgon2Bindings({ lts: none, vendor: none }, "bun-linux-arm64")).toThrow(`${none} embeds the argon2 binding(s) [], not exactly linux-arm64-gnu`);
    expect(() => checkArgon2Bindings({ lts: both, vendor: none }, "bun-windows-x64")).toThrow("[linux-x64-gnu, win32-x64-msvc], not exactly win32-x64-msvc");
    expect(() => checkArgon2Bindings({ lts: linux, vendor: linux }, "bun-linux-x64")).not.toThrow();
    const arm = fakeBinary("/$bunfs/root/argon2.linux-arm64-gnu-0qbdmmht.node");
    expect(() => checkArgon2Bindings({ lts: linux, vendor: arm }, "bun-linux-x64")).toThrow(`${arm} embeds the argon2 binding(s) [linux-arm64-gnu] of another platform than linux-x64-gnu`);
  });

  test("a target without a working binding (musl) is refused up front, naming the supported ones", () => {
    expect(argon2PlatformFor("bun-linux-arm64")).toBe("linux-arm64-gnu");
    expect(() => argon2PlatformFor("bun-linux-x64-musl")).toThrow(/--target bun-linux-x64-musl: no argon2 binding for it; use one of bun-linux-x64, .*bun-windows-x64/);
  });
});

describe("scripts/build.ts for a release", () => {
  test("a cross build resolves imports with the argon2 overlay's tsconfig", () => {
    const command = compileCommand({ entry: "src/main.ts", outfile: "dist/lts.exe", target: "bun-windows-x64", tsconfigOverride: "/tmp/o/tsconfig.json", bytecode: true, defines: [], assets: [] });
    expect(command.slice(1, 4)).toEqual(["build", "--tsconfig-override=/tmp/o/tsconfig.json", "--compile"]);
    expect(command).toContain("--target=bun-windows-x64");
  });

  test("the commit is stamped in with a define that src/lib/version.ts reads", () => {
    expect(commitDefine("abc1234-dirty")).toBe(`--define=LTS_BUILD_COMMIT:"abc1234-dirty"`);
    expect(buildCommit()).toMatch(/^[0-9a-f]{7,}(-dirty)?$/); // this checkout has git
  });
});
