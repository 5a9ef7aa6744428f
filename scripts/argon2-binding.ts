// The @node-rs/argon2 native binding a cross-compiled lts embeds (used by build.ts and release.ts).
//
// `bun build --compile --target=T` embeds the `.node` file that @node-rs/argon2's loader would
// require on T, but only if that platform's optional package is installed, and npm installs only
// the host's. So for a --target build, argon2Overlay() makes a small node_modules of its own
// holding a copy of @node-rs/argon2 and only T's binding package (copied from node_modules when
// installed there at the same version, else `npm pack`ed once into dist/.cache/argon2), plus a
// tsconfig that points the `@node-rs/argon2` import at that copy (bun build --tsconfig-override).
// embeddedArgon2Bindings() reads back which bindings a binary carries.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");

/** The argon2 binding package suffix (@node-rs/argon2-<suffix>) each supported bun target loads. */
export const ARGON2_PLATFORMS: Readonly<Record<string, string>> = {
  "bun-linux-x64": "linux-x64-gnu",
  "bun-linux-x64-baseline": "linux-x64-gnu",
  "bun-linux-x64-modern": "linux-x64-gnu",
  "bun-linux-arm64": "linux-arm64-gnu",
  "bun-windows-x64": "win32-x64-msvc",
  "bun-windows-x64-baseline": "win32-x64-msvc",
  "bun-windows-x64-modern": "win32-x64-msvc",
  "bun-darwin-x64": "darwin-x64",
  "bun-darwin-arm64": "darwin-arm64",
};

/** The binding platform for a bun target; throws, naming the supported ones, for any other (musl has no working binding). */
export function argon2PlatformFor(target: string): string {
  const platform = ARGON2_PLATFORMS[target];
  if (!platform) throw new Error(`--target ${target}: no argon2 binding for it; use one of ${Object.keys(ARGON2_PLATFORMS).join(", ")}`);
  return platform;
}

/** The installed @node-rs/argon2's version: its binding packages are published with the same one. */
export function installedArgon2Version(): string {
  return (JSON.parse(readFileSync(join(root, "node_modules/@node-rs/argon2/package.json"), "utf8")) as { version: string }).version;
}

/**
 * Makes `<dir>/node_modules/@node-rs/{argon2, argon2-<platform>}` and `<dir>/tsconfig.json` (the
 * project's, with `@node-rs/argon2` mapped to that copy) and returns the tsconfig's path, to pass
 * as compileCommand's tsconfigOverride. Needs the npm registry the first time per platform.
 */
export async function argon2Overlay(target: string, dir: string): Promise<string> {
  const platform = argon2PlatformFor(target);
  const version = installedArgon2Version();
  const scope = join(dir, "node_modules/@node-rs");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(scope, { recursive: true });
  cpSync(join(root, "node_modules/@node-rs/argon2"), join(scope, "argon2"), { recursive: true, dereference: true });

  const name = `argon2-${platform}`;
  const installed = join(root, "node_modules/@node-rs", name);
  if (existsSync(join(installed, "package.json")) && JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).version === version) {
    cpSync(installed, join(scope, name), { recursive: true, dereference: true });
  } else {
    const tarball = await fetchPackage(`@node-rs/${name}`, version);
    mkdirSync(join(scope, name));
    run(["tar", "-xzf", tarball, "-C", join(scope, name), "--strip-components=1"]);
  }

  const tsconfig = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  tsconfig.compilerOptions.paths = { "@node-rs/argon2": [join(scope, "argon2/index.js")] };
  const file = join(dir, "tsconfig.json");
  writeFileSync(file, JSON.stringify(tsconfig, null, 2));
  return file;
}

/** `npm pack name@version` into `cache` (once; default dist/.cache/argon2); returns the tarball's path. */
export async function fetchPackage(name: string, version: string, cache = join(root, "dist/.cache/argon2")): Promise<string> {
  const tarball = join(cache, `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(cache, { recursive: true });
  const pack = Bun.spawn(["npm", "pack", "--silent", `${name}@${version}`], { cwd: cache, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(pack.stderr).text(), pack.exited]);
  if (code !== 0 || !existsSync(tarball)) throw new Error(`npm pack ${name}@${version} failed (exit ${code}); the first cross-build needs the npm registry:\n${stderr.trim()}`);
  return tarball;
}

function run(command: string[]) {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} failed: ${result.stderr.toString().trim()}`);
}

/**
 * The argon2 binding platforms embedded in a compiled binary, e.g. ["win32-x64-msvc"]. An embedded
 * file is named `<bunfs root>/argon2.<platform>-<8-char hash>.node` (`/$bunfs/root/` on Linux and
 * macOS, `B:/~BUN/root/` on Windows); the loader's other `./argon2.*.node` strings don't match.
 */
export function embeddedArgon2Bindings(binary: string): string[] {
  const text = readFileSync(binary).toString("latin1");
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:\/\$bunfs\/root\/|B:\/~BUN\/root\/)argon2\.([a-z0-9-]+)-[a-z0-9]{8}\.node/g)) found.add(match[1]!);
  return [...found].sort();
}
