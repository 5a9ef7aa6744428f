#!/usr/bin/env bun
// Builds the release archives (npm run release) into dist/release/:
//
//   bun scripts/release.ts [--issuer-key FILE.pub ...]
//
//   lts-<version>-linux-x64.tar.gz  lts-<version>-linux-arm64.tar.gz  lts-<version>-windows-x64.zip  SHA256SUMS
//
// Each archive holds one folder lts-<version>-<platform>/ with lts and lts-vendor (.exe on
// Windows), startup.sh (startup.bat) that serves from that folder with its data in lts-data/
// beside it, README.txt and LICENSE. Every binary is cross-compiled with scripts/build.ts
// (--issuer-key as there) and must embed its own platform's @node-rs/argon2 binding and no other,
// or the release fails. SHA256SUMS is in `sha256sum -c` format. Archives are made with tar, and
// zip (or python3's zipfile where zip is missing). The first run per platform needs the npm
// registry (the Bun runtimes and argon2 bindings); later runs use the caches.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { argon2PlatformFor, embeddedArgon2Bindings } from "./argon2-binding";
import { buildCommit, buildPrograms } from "./build";
import { readIssuerKeyFiles, trustedIssuersDefine } from "./issuer-keys";

const root = join(import.meta.dir, "..");
export const RELEASE_DIR = join(root, "dist/release");

export interface ReleasePlatform {
  platform: string;
  target: string;
  windows: boolean;
}

export const RELEASE_PLATFORMS: readonly ReleasePlatform[] = [
  { platform: "linux-x64", target: "bun-linux-x64", windows: false },
  { platform: "linux-arm64", target: "bun-linux-arm64", windows: false },
  { platform: "windows-x64", target: "bun-windows-x64", windows: true },
];

/** `lts-<version>-<platform>`: the archive's name without extension, and its one top folder. */
export function releaseName(platform: ReleasePlatform, version = pkg.version): string {
  return `lts-${version}-${platform.platform}`;
}

export function archiveName(platform: ReleasePlatform, version = pkg.version): string {
  return releaseName(platform, version) + (platform.windows ? ".zip" : ".tar.gz");
}

const STARTUP_SH = `#!/bin/sh
# Starts LTS from this folder, with its data in lts-data/ beside this script, from any current
# directory. Extra arguments go to 'lts serve', e.g. ./startup.sh --port 8080 --host 127.0.0.1
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 1
exec "$here/lts" serve --data-dir "$here/lts-data" "$@"
`;

const STARTUP_BAT = `@echo off
rem Starts LTS from this folder, with its data in lts-data\\ beside this script, from any current
rem directory. Extra arguments go to 'lts serve', e.g. startup.bat --port 8080 --host 127.0.0.1
"%~dp0lts.exe" serve --data-dir "%~dp0lts-data" %*
`;

function readme(platform: ReleasePlatform, version: string, commit: string): string {
  const [start, lts] = platform.windows ? ["startup.bat", "lts.exe"] : ["./startup.sh", "./lts"];
  return `LTS ${version} (${commit}) for ${platform.platform}: the License Tracking Server

Start it
  ${start}
  serves the portal and the client API on port 48080, with all its data (database, logs, setup
  token) in lts-data${platform.windows ? "\\" : "/"} beside ${start.replace("./", "")}. Extra arguments go to 'lts serve', e.g.
  ${start} --port 8080 --host 127.0.0.1
  ${lts} --help lists every command and option; ${lts} version prints the version.

First run
  Open http://localhost:48080/index. On first start the server prints a line "Setup token: ..."
  (also in lts-data${platform.windows ? "\\" : "/"}setup-token): paste it there and choose the management password.

Run it as a service
  ${lts} service install     (${lts} service --help shows its options; --dry-run shows what it does)
  The service keeps its data in ${platform.windows ? "%ProgramData%\\LTS" : "/var/lib/lts"}, not in lts-data: to keep what a trial run made,
  stop it and copy lts-data's files there before the first start of the service.${platform.windows ? `
  lts.exe carries WinSW 1.17 (https://github.com/winsw/winsw, MIT License), the service wrapper
  that service install writes beside it as lts-service.exe.` : ""}

Upgrade: stop the server, unpack the new version and move lts-data into its folder. Back up
lts-data. lts-vendor (${platform.windows ? "lts-vendor.exe" : "lts-vendor"}) is the software vendor's tool for issuing license files.

The full documentation is the project's README.md: sections "Quickstart", "Operating it" and
"lts-vendor: issuing license files".
`;
}

/** Text for a Windows user's Notepad gets CRLF line ends. */
function lineEnds(text: string, windows: boolean): string {
  return windows ? text.replace(/\r?\n/g, "\r\n") : text;
}

/** Throws unless lts embeds exactly its platform's argon2 binding and lts-vendor none other. */
export function checkArgon2Bindings(files: { lts: string; vendor: string }, target: string): void {
  const own = argon2PlatformFor(target);
  const lts = embeddedArgon2Bindings(files.lts);
  if (lts.length !== 1 || lts[0] !== own) throw new Error(`${files.lts} embeds the argon2 binding(s) [${lts.join(", ")}], not exactly ${own}: it could not hash passwords on ${target}`);
  const vendor = embeddedArgon2Bindings(files.vendor);
  if (vendor.some((p) => p !== own)) throw new Error(`${files.vendor} embeds the argon2 binding(s) [${vendor.join(", ")}] of another platform than ${own}`);
}

function run(command: string[], cwd: string) {
  const result = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`);
}

function archive(stage: string, folder: string, out: string, windows: boolean) {
  if (!windows) run(["tar", "-czf", out, "--owner=0", "--group=0", "--numeric-owner", folder], stage);
  else if (Bun.which("zip")) run(["zip", "-q", "-r", "-X", out, folder], stage);
  else if (Bun.which("python3")) run(["python3", "-m", "zipfile", "-c", out, folder], stage);
  else throw new Error("neither zip nor python3 is installed: install one (apt-get install zip) to make the Windows archive");
}

async function sha256(file: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(file).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

export interface ReleaseOptions {
  defines: string[];
  outdir?: string;
  log?: (line: string) => void;
}

/** Builds every platform's archive and SHA256SUMS into outdir (emptied first); returns the archive paths. */
export async function release(options: ReleaseOptions): Promise<string[]> {
  const outdir = options.outdir ?? RELEASE_DIR;
  const log = options.log ?? (() => {});
  const version = pkg.version;
  const commit = buildCommit();
  const license = readFileSync(join(root, "LICENSE"), "utf8");
  rmSync(outdir, { recursive: true, force: true });
  const stage = join(outdir, ".stage");
  mkdirSync(stage, { recursive: true });
  const archives: string[] = [];
  for (const platform of RELEASE_PLATFORMS) {
    const started = performance.now();
    const folder = releaseName(platform, version);
    const dir = join(stage, folder);
    mkdirSync(dir);
    const exe = platform.windows ? ".exe" : "";
    await buildPrograms({ target: platform.target, bytecode: true, defines: options.defines, commit, outdir: dir, suffix: exe });
    checkArgon2Bindings({ lts: join(dir, "lts" + exe), vendor: join(dir, "lts-vendor" + exe) }, platform.target);

    const startup = join(dir, platform.windows ? "startup.bat" : "startup.sh");
    writeFileSync(startup, lineEnds(platform.windows ? STARTUP_BAT : STARTUP_SH, platform.windows));
    chmodSync(startup, 0o755);
    writeFileSync(join(dir, "README.txt"), lineEnds(readme(platform, version, commit), platform.windows), { mode: 0o644 });
    writeFileSync(join(dir, "LICENSE"), lineEnds(license, platform.windows), { mode: 0o644 });

    const out = join(outdir, archiveName(platform, version));
    archive(stage, folder, out, platform.windows);
    rmSync(dir, { recursive: true, force: true });
    archives.push(out);
    log(`${archiveName(platform, version)} (${(Bun.file(out).size / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  rmSync(stage, { recursive: true, force: true });
  const sums = await Promise.all(archives.map(async (file) => `${await sha256(file)}  ${file.split("/").pop()}\n`));
  writeFileSync(join(outdir, "SHA256SUMS"), sums.join(""));
  return archives;
}

function parseReleaseArgs(args: string[]): { issuerKeys: string[] } {
  const issuerKeys: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s) as [string, string | undefined];
    const value = inline ?? args[++i];
    if (flag !== "--issuer-key") fail(`unknown argument ${flag}; see the usage at the top of scripts/release.ts`);
    if (value === undefined || value.startsWith("--")) fail(`${flag} needs a value`);
    issuerKeys.push(resolve(value));
  }
  return { issuerKeys };
}

function fail(message: string): never {
  console.error(`release: ${message}`);
  process.exit(2);
}

async function main() {
  const { issuerKeys } = parseReleaseArgs(Bun.argv.slice(2));
  if (!existsSync(join(root, "LICENSE"))) fail("LICENSE is missing at the repository root");
  const started = performance.now();
  try {
    const keys = readIssuerKeyFiles(issuerKeys);
    await release({ defines: trustedIssuersDefine(keys), log: (line) => console.log(`release: ${line}`) });
    console.log(`release: dist/release/ written in ${((performance.now() - started) / 1000).toFixed(1)} s (commit ${buildCommit()}; ${keys.length > 0 ? `trusts issuer key(s) ${keys.map((k) => k.kid).join(", ")}` : "trusts the demo issuer (no --issuer-key)"})`);
  } catch (err) {
    console.error(`release: ${(err as Error).message}`);
    process.exit(1);
  }
}

if (import.meta.main) await main();
