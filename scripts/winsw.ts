// WinSW, the Windows service wrapper that a Windows build of lts embeds (`lts service install`
// writes it out as lts-service.exe beside lts.exe; src/domain/service-plan.ts). It comes from the
// npm package node-windows, which ships WinSW 1.17.0.0 (MIT) as bin/winsw/winsw.exe; npm refuses to
// install that package on Linux ("os": ["win32"]), so the build `npm pack`s it once into
// dist/.cache/winsw and checks the file's SHA-256 before embedding it.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join, relative } from "node:path";
import { fetchPackage } from "./argon2-binding";

const root = join(import.meta.dir, "..");
export const NODE_WINDOWS_VERSION = "0.1.14";
export const WINSW_SHA256 = "5859b114d96800a2b98ef9d19eaa573a786a422dad324547ef25be181389df01";

/** The folder (relative to the repository, for bun build --asset) holding the checked winsw.exe. */
export async function winswAsset(): Promise<string> {
  const dir = join(root, "dist/.cache/winsw/asset");
  const exe = join(dir, "winsw.exe");
  if (!existsSync(exe)) {
    const tarball = await fetchPackage("node-windows", NODE_WINDOWS_VERSION, join(root, "dist/.cache/winsw"));
    mkdirSync(dir, { recursive: true });
    const untar = Bun.spawnSync(["tar", "-xzf", tarball, "-C", dir, "--strip-components=3", "package/bin/winsw/winsw.exe"], { stderr: "pipe" });
    if (untar.exitCode !== 0) throw new Error(`Cannot unpack winsw.exe from ${tarball}: ${untar.stderr.toString().trim()}`);
  }
  const sha = createHash("sha256").update(readFileSync(exe)).digest("hex");
  if (sha !== WINSW_SHA256) {
    renameSync(exe, exe + ".rejected");
    throw new Error(`winsw.exe from node-windows ${NODE_WINDOWS_VERSION} has SHA-256 ${sha}, not the expected ${WINSW_SHA256}: not embedding it.`);
  }
  return relative(root, dir);
}
