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
// (dist/lts-linux-arm64, dist/lts-vendor-linux-arm64, ….exe for Windows).
//
// lts embeds static/ (htmx, CSS, icons; --asset) and the migrations in drizzle/ (inlined by the
// src/db/migrations.macro.ts macro); lts-vendor needs neither. Both ignore any .env or bunfig.toml
// in the folder they are started from, so their behaviour depends only on their flags (and, for
// lts, its LTS_* variables). --bytecode precompiles the JavaScript: cold start drops from ~90 ms
// to ~25 ms (stack notes).
import { rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { readIssuerKeyFiles, trustedIssuersDefine } from "./issuer-keys";

const root = join(import.meta.dir, "..");

export interface CompileOptions {
  entry: string;
  outfile: string;
  target?: string;
  bytecode: boolean;
  /** Extra `bun build` arguments, e.g. trustedIssuersDefine(keys). */
  defines: string[];
  assets: string[];
}

/** The `bun build --compile` command line both executables (and the tests' probes) are made with. */
export function compileCommand(options: CompileOptions): string[] {
  return [
    process.execPath, "build", "--compile", "--minify", "--sourcemap",
    ...(options.bytecode ? ["--bytecode"] : []),
    ...(options.target ? [`--target=${options.target}`] : []),
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    ...options.defines,
    ...options.assets.map((asset) => `--asset=${asset}`),
    options.entry, "--outfile", options.outfile,
  ];
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

  const suffix = (args.target ? "-" + args.target.replace(/^bun-/, "") : "") + (args.target?.includes("windows") ? ".exe" : "");
  const programs = [
    // Windows builds also carry WinSW, the service wrapper `lts service install` unpacks (third-party/winsw).
    { name: "lts", entry: "src/main.ts", assets: ["static", ...(args.target?.includes("windows") ? ["third-party/winsw"] : [])] },
    { name: "lts-vendor", entry: "src/issuer/main.ts", assets: [] },
  ];
  const started = performance.now();
  const results = await Promise.all(
    programs.map(async (program) => {
      const outfile = resolve(root, args.outdir, program.name + suffix);
      const command = compileCommand({ entry: program.entry, outfile, target: args.target, bytecode: args.bytecode, defines, assets: program.assets });
      const build = Bun.spawn(command, { cwd: root, stdout: "inherit", stderr: "inherit" });
      const code = await build.exited;
      rmSync(outfile + ".map", { force: true }); // the map is embedded in the binary already
      return { outfile, code };
    }),
  );
  const failed = results.find((r) => r.code !== 0);
  if (failed) process.exit(failed.code || 1);
  const ms = Math.round(performance.now() - started);
  for (const { outfile } of results) console.log(`built ${join(args.outdir, outfile.split(/[\\/]/).pop()!)} (${(statSync(outfile).size / 1e6).toFixed(1)} MB)`);
  console.log(`in ${ms} ms; lts ${trusted}`);
}

// Run only as a script: the tests import compileCommand from here.
if (import.meta.main) await main();
