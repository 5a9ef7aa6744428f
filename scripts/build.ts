#!/usr/bin/env bun
// Compiles the two executables, dist/lts and dist/lts-vendor (bun run build).
//
//   bun scripts/build.ts [--target bun-linux-x64|bun-linux-arm64|bun-windows-x64|...] [--no-bytecode]
//                        [--issuer-key FILE.pub ...] [--outdir DIR]
//
// --issuer-key (repeatable) compiles that issuer public key (SPKI PEM, from `lts-vendor keygen`)
// into lts as a trusted issuer of license files; a build with it trusts only the keys given, not
// the repository's demo issuer. Without it, lts trusts the demo issuer (src/trusted-issuers.ts).
// --outdir puts the binaries elsewhere than dist/; --target cross-compiles and suffixes the names
// (dist/lts-linux-arm64, dist/lts-vendor-linux-arm64, ….exe for Windows); a --target build embeds
// that target's @node-rs/argon2 binding (scripts/argon2-binding.ts; the first one per target needs
// the npm registry). Every build stamps the git commit into `lts version` (src/lib/version.ts).
//
// lts embeds static/ (htmx, CSS, icons; --asset), the migrations in drizzle/ (inlined by the
// src/db/migrations.macro.ts macro) and the entry points of its threads (the WAL checkpointer's,
// src/db/checkpoint-worker.ts, and the backups', src/services/backups/backup-worker.ts); lts-vendor
// needs none of them. Both ignore any .env or bunfig.toml in the folder they are started from, so
// their behaviour depends only on their flags (and, for lts, its LTS_* variables). --bytecode
// precompiles the JavaScript: cold start drops from ~90 ms to ~25 ms (stack notes).
import { mkdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { argon2Overlay } from "./argon2-binding";
import { winswAsset } from "./winsw";
import { readIssuerKeyFiles, trustedIssuersDefine } from "./issuer-keys";

const root = join(import.meta.dir, "..");

export interface CompileOptions {
  entry: string;
  /** Worker threads' entry points (src/lib/runtime.ts, workerEntry): each must be compiled in. */
  workers?: readonly string[];
  outfile: string;
  target?: string;
  /** A tsconfig.json to resolve imports with instead of the project's (the argon2 overlay). */
  tsconfigOverride?: string;
  bytecode: boolean;
  /** Extra `bun build` arguments, e.g. trustedIssuersDefine(keys). */
  defines: string[];
  assets: string[];
}

/** The `bun build --compile` command line both executables (and the tests' probes) are made with. */
export function compileCommand(options: CompileOptions): string[] {
  return [
    process.execPath, "build", ...(options.tsconfigOverride ? [`--tsconfig-override=${options.tsconfigOverride}`] : []), "--compile", "--minify", "--sourcemap",
    ...(options.bytecode ? ["--bytecode"] : []),
    ...(options.target ? [`--target=${options.target}`] : []),
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    ...options.defines,
    ...options.assets.map((asset) => `--asset=${asset}`),
    options.entry, ...(options.workers ?? []), "--outfile", options.outfile,
  ];
}

/** The commit a build is made from (`git rev-parse --short HEAD`, "-dirty" with uncommitted changes), or "dev" without git. */
export function buildCommit(): string {
  try {
    const head = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: root, stdout: "pipe", stderr: "ignore" });
    if (head.exitCode !== 0) return "dev";
    const status = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root, stdout: "pipe", stderr: "ignore" });
    return head.stdout.toString().trim() + (status.stdout.toString().trim() ? "-dirty" : "");
  } catch {
    return "dev"; // no git on this machine
  }
}

/** The `bun build` argument that stamps the commit into src/lib/version.ts. */
export function commitDefine(commit: string): string {
  return `--define=LTS_BUILD_COMMIT:${JSON.stringify(commit)}`;
}

export const PROGRAMS = [
  { name: "lts", entry: "src/main.ts", workers: ["src/db/checkpoint-worker.ts", "src/services/backups/backup-worker.ts"], assets: ["static"] },
  { name: "lts-vendor", entry: "src/issuer/main.ts", workers: [], assets: [] },
] as const;

export interface BuildOptions {
  /** A bun target to cross-compile for; without it, the host's. */
  target?: string;
  bytecode: boolean;
  /** Extra `bun build` arguments (issuer keys); the commit define is added here. */
  defines: string[];
  outdir: string;
  /** The commit to stamp in; default buildCommit(). */
  commit?: string;
  /** Appended to each program's name; default "-<target>" (plus ".exe" for Windows) with a target, else none. */
  suffix?: string;
}

export interface BuiltProgram {
  name: string;
  outfile: string;
}

/**
 * Compiles lts and lts-vendor into outdir. A --target build gets its own node_modules overlay
 * holding only the target's argon2 binding (scripts/argon2-binding.ts), so that the binary embeds
 * that one. Throws if a compile fails.
 */
export async function buildPrograms(options: BuildOptions): Promise<BuiltProgram[]> {
  const { target } = options;
  const suffix = options.suffix ?? (target ? "-" + target.replace(/^bun-/, "") : "") + (target?.includes("windows") ? ".exe" : "");
  const tsconfigOverride = target ? await argon2Overlay(target, join(root, "dist/.cache/overlay", target)) : undefined;
  // Windows builds of lts also carry WinSW, the service wrapper `lts service install` unpacks.
  const windowsAssets = target?.includes("windows") ? [await winswAsset()] : [];
  const defines = [...options.defines, commitDefine(options.commit ?? buildCommit())];
  mkdirSync(resolve(root, options.outdir), { recursive: true });
  const results = await Promise.all(
    PROGRAMS.map(async (program) => {
      const outfile = resolve(root, options.outdir, program.name + suffix);
      const command = compileCommand({ entry: program.entry, workers: program.workers, outfile, target, tsconfigOverride, bytecode: options.bytecode, defines, assets: [...program.assets, ...(program.name === "lts" ? windowsAssets : [])] });
      const build = Bun.spawn(command, { cwd: root, stdout: "inherit", stderr: "inherit" });
      const code = await build.exited;
      // The maps are embedded in the binary already; --sourcemap also writes them beside it.
      for (const map of [outfile + ".map", ...program.workers.map((worker) => join(dirname(outfile), basename(worker, ".ts") + ".js.map"))]) rmSync(map, { force: true });
      return { name: program.name, outfile, code };
    }),
  );
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new Error(`bun build of ${failed.name}${target ? ` for ${target}` : ""} failed (exit ${failed.code})`);
  return results.map(({ name, outfile }) => ({ name, outfile }));
}

interface BuildArgs {
  target?: string;
  bytecode: boolean;
  issuerKeys: string[];
  outdir: string;
}

function parseBuildArgs(args: string[]): BuildArgs {
  const parsed: BuildArgs = { bytecode: true, issuerKeys: [], outdir: "dist" };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith("--")) fail(`${flag} needs a value`);
      return v;
    };
    if (flag === "--target") parsed.target = value();
    else if (flag === "--no-bytecode") parsed.bytecode = false;
    else if (flag === "--issuer-key") parsed.issuerKeys.push(value());
    else if (flag === "--outdir") parsed.outdir = value();
    else fail(`unknown argument ${flag}; see the usage at the top of scripts/build.ts`);
  }
  return parsed;
}

function fail(message: string): never {
  console.error(`build: ${message}`);
  process.exit(2);
}

async function main() {
  const args = parseBuildArgs(Bun.argv.slice(2));
  let defines: string[];
  let trusted: string;
  try {
    const keys = readIssuerKeyFiles(args.issuerKeys.map((file) => resolve(file)));
    defines = trustedIssuersDefine(keys);
    trusted = keys.length > 0 ? `trusts issuer key(s) ${keys.map((k) => k.kid).join(", ")}` : "trusts the demo issuer (no --issuer-key)";
  } catch (err) {
    fail((err as Error).message);
  }

  const started = performance.now();
  let results: BuiltProgram[];
  try {
    results = await buildPrograms({ target: args.target, bytecode: args.bytecode, defines, outdir: args.outdir });
  } catch (err) {
    fail((err as Error).message);
  }
  const ms = Math.round(performance.now() - started);
  for (const { outfile } of results) console.log(`built ${join(args.outdir, outfile.split(/[\\/]/).pop()!)} (${(statSync(outfile).size / 1e6).toFixed(1)} MB)`);
  console.log(`in ${ms} ms; lts ${trusted}`);
}

// Run only as a script: the tests import compileCommand from here.
if (import.meta.main) await main();
