// The release archives (npm run release): made once for the file, then unpacked and run. The
// linux-arm64 binary runs under Debian's qemu-user (apt-get install qemu-user libc6-arm64-cross
// libgcc-s1-arm64-cross); without qemu that test is skipped locally and fails under CI=true. The
// Windows binaries are only inspected: nothing here can run them.
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { embeddedArgon2Bindings } from "../../scripts/argon2-binding";
import { WINSW_SHA256 } from "../../scripts/winsw";
import { tempDir } from "../helpers/temp";

const ROOT = join(import.meta.dir, "../..");
const RELEASE = join(ROOT, "dist/release");
const V = pkg.version;
const RELEASE_TIMEOUT_MS = 900_000; // six cross-compiles; the first run downloads the Bun runtimes
const START_TIMEOUT_MS = 60_000; // qemu is slow

const QEMU = Bun.which("qemu-aarch64");
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";
const haveQemu = QEMU !== null && existsSync(join(ARM64_SYSROOT, "lib/libgcc_s.so.1"));
const qemuMissing = "qemu-aarch64 with the arm64 sysroot is missing: apt-get install qemu-user libc6-arm64-cross libgcc-s1-arm64-cross";

setDefaultTimeout(120_000); // each test reads or unpacks archives and binaries of ~110 MB

let unpacked: string; // each archive unpacked here, into its lts-<version>-<platform>/
const listings: Record<string, string> = {}; // tar -tvzf of each Linux archive

beforeAll(() => {
  const result = Bun.spawnSync([process.execPath, "scripts/release.ts"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`npm run release failed (${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  unpacked = tempDir("lts-release-");
  for (const platform of ["linux-x64", "linux-arm64"]) {
    sh(["tar", "-xzf", join(RELEASE, `lts-${V}-${platform}.tar.gz`), "-C", unpacked]);
    listings[platform] = sh(["tar", "-tvzf", join(RELEASE, `lts-${V}-${platform}.tar.gz`)]);
  }
  sh(["python3", "-m", "zipfile", "-e", join(RELEASE, `lts-${V}-windows-x64.zip`), unpacked]);
}, RELEASE_TIMEOUT_MS);

function sh(command: string[], cwd = ROOT): string {
  const result = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${command.join(" ")} failed (${result.exitCode}): ${result.stderr}`);
  return result.stdout.toString();
}

const folder = (platform: string) => join(unpacked, `lts-${V}-${platform}`);

/** The environment without LTS_* variables, so only the flags given apply. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("LTS_"))) as Record<string, string>;
}

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

/**
 * Runs a server command until GET /healthz answers, then stops it with SIGTERM; returns the answer.
 * A fresh server answers 503 "not-ready" until a machine UUID is generated.
 */
async function serveUntilHealthz(command: string[], port: number, cwd: string): Promise<{ status: number; version: string }> {
  const child = Bun.spawn(command, { cwd, env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const output = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]).then((parts) => parts.join("\n"));
  const deadline = Date.now() + START_TIMEOUT_MS;
  let body: { status: number; version: string } | undefined;
  try {
    while (body === undefined && child.exitCode === null && Date.now() < deadline) {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      if (response?.status === 200 || response?.status === 503) body = { status: response.status, ...((await response.json()) as { version: string }) };
      else await Bun.sleep(200);
    }
  } finally {
    child.kill("SIGTERM");
    await child.exited;
  }
  if (body === undefined) throw new Error(`${command.join(" ")} never answered /healthz:\n${await output}`);
  return body;
}

describe("npm run release", () => {
  test("each archive holds exactly one folder with the binaries, startup script, README.txt and LICENSE", () => {
    const linux = (platform: string) => [
      `lts-${V}-${platform}/`, `lts-${V}-${platform}/LICENSE`, `lts-${V}-${platform}/README.txt`,
      `lts-${V}-${platform}/lts`, `lts-${V}-${platform}/lts-vendor`, `lts-${V}-${platform}/startup.sh`,
    ];
    for (const platform of ["linux-x64", "linux-arm64"]) {
      const names = listings[platform]!.trim().split("\n").map((line) => line.split(/\s+/).pop()!);
      expect(names.sort()).toEqual(linux(platform));
    }
    const zipped = sh(["python3", "-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", join(RELEASE, `lts-${V}-windows-x64.zip`)]);
    const w = `lts-${V}-windows-x64`;
    expect(zipped.trim().split("\n").sort()).toEqual([`${w}/`, `${w}/LICENSE`, `${w}/README.txt`, `${w}/lts-vendor.exe`, `${w}/lts.exe`, `${w}/startup.bat`]);
  });

  test("the startup scripts are executable and keep the data beside themselves", () => {
    for (const platform of ["linux-x64", "linux-arm64"]) {
      for (const file of ["startup.sh", "lts", "lts-vendor"]) expect(listings[platform]).toMatch(new RegExp(`^-rwxr-xr-x .* lts-${V}-${platform}/${file}$`, "m"));
      const script = readFileSync(join(folder(platform), "startup.sh"), "utf8");
      expect(script).toStartWith("#!/bin/sh\n");
      expect(script).toContain(`exec "$here/lts" serve --data-dir "$here/lts-data" "$@"`);
    }
    const bat = readFileSync(join(folder("windows-x64"), "startup.bat"), "utf8");
    expect(bat).toContain(`"%~dp0lts.exe" serve --data-dir "%~dp0lts-data" %*\r\n`);
  });

  test("README.txt says how to start, where to open, the setup token and the service; LICENSE is the MIT licence", () => {
    for (const platform of ["linux-x64", "windows-x64"]) {
      const readme = readFileSync(join(folder(platform), "README.txt"), "utf8");
      expect(readme).toContain(platform === "linux-x64" ? "./startup.sh" : "startup.bat");
      for (const text of ["http://localhost:48080/index", "Setup token", "setup-token", "service install", "Operating it"]) expect(readme).toContain(text);
      expect(readFileSync(join(folder(platform), "LICENSE"), "utf8")).toStartWith("MIT License");
    }
  });

  test("SHA256SUMS verifies with sha256sum -c and lists every archive", () => {
    const out = sh(["sha256sum", "-c", "SHA256SUMS"], RELEASE);
    expect(out.trim().split("\n").sort()).toEqual([`lts-${V}-linux-arm64.tar.gz: OK`, `lts-${V}-linux-x64.tar.gz: OK`, `lts-${V}-windows-x64.zip: OK`]);
  });

  test("each lts embeds its own platform's argon2 binding and no other", () => {
    expect(embeddedArgon2Bindings(join(folder("linux-x64"), "lts"))).toEqual(["linux-x64-gnu"]);
    expect(embeddedArgon2Bindings(join(folder("linux-arm64"), "lts"))).toEqual(["linux-arm64-gnu"]);
    expect(embeddedArgon2Bindings(join(folder("windows-x64"), "lts.exe"))).toEqual(["win32-x64-msvc"]);
    for (const vendor of [join(folder("linux-x64"), "lts-vendor"), join(folder("linux-arm64"), "lts-vendor"), join(folder("windows-x64"), "lts-vendor.exe")]) {
      expect(embeddedArgon2Bindings(vendor)).toEqual([]);
    }
  });

  test("the Windows lts.exe carries WinSW (from node-windows, checked by its SHA-256) for lts service install; the Linux builds do not", () => {
    const winsw = readFileSync(join(ROOT, "dist/.cache/winsw/asset/winsw.exe"));
    expect(createHash("sha256").update(winsw).digest("hex")).toBe(WINSW_SHA256);
    expect(readFileSync(join(folder("windows-x64"), "lts.exe")).indexOf(winsw)).toBeGreaterThan(0);
    expect(readFileSync(join(folder("linux-x64"), "lts")).indexOf(winsw)).toBe(-1);
  });

  test("lts version prints the version and the commit it was built from", () => {
    const head = sh(["git", "rev-parse", "--short", "HEAD"]).trim(); // built in a git checkout; "-dirty" with uncommitted changes
    const printed = sh([join(folder("linux-x64"), "lts"), "version"]).trim();
    expect(printed).toMatch(new RegExp(`^lts ${V.replaceAll(".", "\\.")} \\(${head}(-dirty)?, bun ${Bun.version.replaceAll(".", "\\.")}, linux-x64\\)$`));
    expect(readFileSync(join(folder("linux-x64"), "README.txt"), "utf8")).toStartWith(`LTS ${V} (${printed.match(/\((\S+),/)![1]}) for linux-x64`);
  });

  test("startup.sh serves from any directory with lts-data beside it, passing extra arguments on", async () => {
    const dir = folder("linux-x64");
    const port = await freePort();
    const elsewhere = tempDir("lts-cwd-");
    expect(await serveUntilHealthz([join(dir, "startup.sh"), "--host", "127.0.0.1", "--port", String(port)], port, elsewhere)).toMatchObject({ version: V });
    expect(existsSync(join(dir, "lts-data/setup-token"))).toBe(true);
    expect(existsSync(join(elsewhere, "lts-data"))).toBe(false);
  }, START_TIMEOUT_MS + 10_000);

  test.skipIf(!haveQemu && process.env.CI !== "true")(
    "the linux-arm64 lts runs under qemu: answers /healthz and sets a password (its argon2 binding loads)",
    async () => {
      if (!haveQemu) throw new Error(qemuMissing);
      const lts = [QEMU!, "-L", ARM64_SYSROOT, join(folder("linux-arm64"), "lts")];
      const dataDir = join(tempDir("lts-arm64-"), "lts-data");
      const port = await freePort();
      expect(await serveUntilHealthz([...lts, "serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir], port, ROOT)).toMatchObject({ version: V });

      const setPassword = Bun.spawn([...lts, "set-password", "--stdin", "--data-dir", dataDir], { env: cleanEnv(), stdin: new TextEncoder().encode("arm64 horse battery staple\n"), stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(setPassword.stdout).text(), new Response(setPassword.stderr).text(), setPassword.exited]);
      expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: "Management password set. Open the portal and log in with it.\n", stderr: "" });
      expect(statSync(join(dataDir, "lts.db")).size).toBeGreaterThan(0);
    },
    START_TIMEOUT_MS * 2,
  );
});
