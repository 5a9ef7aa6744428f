import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { COMMANDS, describeCommand, describeUsage } from "../../src/cli/commands";
import { SERVER_OPTIONS } from "../../src/config";
import { openDataDir } from "../../src/db/data-dir";
import { closeDatabase } from "../../src/db/client";
import { auditEvents, sessions } from "../../src/db/schema";
import { VERSION } from "../../src/lib/version";
import { tempDir } from "../helpers/temp";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const freshDir = () => tempDir("lts-cli-");

/** Runs `lts ARGS` from source, with `stdin` piped in. */
async function lts(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", ...options.env },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** A --preload file that records, at exit, every module the process loaded. */
function moduleReport() {
  const dir = freshDir();
  const hook = join(dir, "report-modules.ts");
  const out = join(dir, "modules.json");
  writeFileSync(hook, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
  return { hook, loaded: (): string[] => JSON.parse(readFileSync(out, "utf8")) };
}

function audit(dataDir: string) {
  const db = openDataDir(dataDir);
  try {
    return { events: db.select().from(auditEvents).all(), sessions: db.select().from(sessions).all() };
  } finally {
    closeDatabase(db);
  }
}

describe("lts --help and version", () => {
  test("--help lists the commands and every option with its variable", async () => {
    const { stdout, code } = await lts(["--help"]);
    expect(code).toBe(0);
    for (const command of ["serve", "set-password --stdin", "reset-password", "version"]) expect(stdout).toContain(command);
    for (const spec of Object.values(SERVER_OPTIONS)) expect(stdout).toContain(`env ${spec.env}`);
  });

  test("--help lists every command in the registry, with its usage and summary", async () => {
    const { stdout } = await lts(["--help"]);
    for (const command of COMMANDS) {
      for (const line of describeUsage(command.usage).split("\n")) expect(stdout, command.name).toContain(line);
    }
  });

  test("every command answers --help (and 'lts help NAME') with its own usage and options, exit 0", async () => {
    const answers = await Promise.all(COMMANDS.map((command) => lts([command.name, "--help"])));
    COMMANDS.forEach((command, i) => {
      const { code, stdout } = answers[i]!;
      expect({ command: command.name, code, stdout }).toEqual({ command: command.name, code: 0, stdout: describeCommand(command) + "\n" });
      expect(stdout).toContain(describeUsage(command.usage));
      for (const spec of Object.values(command.options)) expect(stdout, command.name).toContain(spec.flag);
    });
    expect((await lts(["help", "uuid"])).stdout).toBe((await lts(["uuid", "--help"])).stdout);
    expect((await lts(["uuid", "--help"])).stdout).toContain("--custom-id-file FILE");
    expect((await lts(["codes", "--help"])).stdout).toContain("env LTS_BASE_PATH");
  }, 60_000);

  test("version and --help load neither the database nor the services (cold start)", async () => {
    for (const args of [["version"], ["--help"]]) {
      const report = moduleReport();
      const proc = Bun.spawn([process.execPath, "--preload", report.hook, MAIN, ...args], { stdout: "ignore", stderr: "ignore" });
      expect(await proc.exited).toBe(0);
      const loaded = report.loaded();
      expect(loaded.some((m) => m.endsWith("src/cli/commands/index.ts"))).toBe(true);
      expect(loaded.filter((m) => /src\/(db|services\/(?!context\.ts))|drizzle-orm|src\/server\.ts|src\/cli\/(with-data-dir|prompt)\.ts/.test(m)), args[0]).toEqual([]);
    }
  });

  test("version prints the version", async () => {
    expect((await lts(["version"])).stdout).toStartWith(`lts ${VERSION} (dev, bun `);
  });

  test("an unknown command or option exits 2 and says what to do", async () => {
    const command = await lts(["frobnicate"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("Unknown command 'frobnicate'. Run 'lts --help'");
    const option = await lts(["--prot", "1"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option --prot");
  });

  test("a bad option value exits 2 naming the flag and the variable", async () => {
    const { code, stderr } = await lts(["serve"], { env: { LTS_PORT: "eighty" } });
    expect(code).toBe(2);
    expect(stderr).toContain('--port / LTS_PORT = "eighty": must be a whole number');
  });
});

describe("lts set-password --stdin", () => {
  test("sets the first password from standard input, audited as the console's act", async () => {
    const dataDir = freshDir();
    const { code, stdout } = await lts(["set-password", "--stdin", "--data-dir", dataDir], { stdin: "correct horse battery staple\n" });
    expect(code).toBe(0);
    expect(stdout).toContain("Management password set");
    expect(audit(dataDir).events.map((e) => [e.actor, e.action])).toEqual([["console", "setup.completed"]]);
  });

  test("is refused once a password exists, and changes nothing", async () => {
    const dataDir = freshDir();
    await lts(["set-password", "--stdin", "--data-dir", dataDir], { stdin: "correct horse battery staple" });
    const again = await lts(["set-password", "--stdin"], { stdin: "another long password", env: { LTS_DATA_DIR: dataDir } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already set. To replace it, run 'lts reset-password'");
    expect(audit(dataDir).events).toHaveLength(1);
  });

  test("refuses a password the policy rejects", async () => {
    const dataDir = freshDir();
    const { code, stderr } = await lts(["set-password", "--stdin", "--data-dir", dataDir], { stdin: "short\n" });
    expect(code).toBe(1);
    expect(stderr).toContain("at least 12 characters");
    expect(audit(dataDir).events).toHaveLength(0);
  });

  test("needs --stdin", async () => {
    const { code, stderr } = await lts(["set-password", "--data-dir", freshDir()]);
    expect(code).toBe(2);
    expect(stderr).toContain("lts set-password --stdin");
  });
});

describe("lts reset-password", () => {
  test("replaces the password, ends every session, and is audited", async () => {
    const dataDir = freshDir();
    await lts(["set-password", "--stdin", "--data-dir", dataDir], { stdin: "correct horse battery staple" });
    const db = openDataDir(dataDir);
    db.insert(sessions).values({ idHash: "a".repeat(64), csrfToken: "t", createdAt: new Date(), lastSeenAt: new Date() }).run();
    closeDatabase(db);
    const { code, stdout } = await lts(["reset-password", "--data-dir", dataDir], { stdin: "a new long password\na new long password\n" });
    expect(code).toBe(0);
    expect(stdout).toContain("Management password reset. 1 portal session(s) ended.");
    const after = audit(dataDir);
    expect(after.sessions).toHaveLength(0);
    expect(after.events.at(-1)).toMatchObject({ actor: "console", action: "password.reset" });
  });

  test("refuses two different passwords and changes nothing", async () => {
    const dataDir = freshDir();
    await lts(["set-password", "--stdin", "--data-dir", dataDir], { stdin: "correct horse battery staple" });
    const { code, stderr } = await lts(["reset-password", "--data-dir", dataDir], { stdin: "a new long password\nanother long password\n" });
    expect(code).toBe(1);
    expect(stderr).toContain("The two passwords differ; nothing changed");
    expect(audit(dataDir).events.map((e) => e.action)).toEqual(["setup.completed"]);
  });
});

describe("lts serve", () => {
  async function serveUntil(dataDir: string, pattern: RegExp, bunFlags: string[] = []) {
    const proc = Bun.spawn([process.execPath, ...bunFlags, MAIN, "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], { stdout: "pipe", stderr: "pipe" });
    const reader = proc.stdout.getReader();
    let out = "";
    const deadline = Date.now() + 10_000;
    while (!pattern.test(out) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    proc.kill("SIGTERM");
    const code = await proc.exited;
    return { out, code, stderr: await new Response(proc.stderr).text() };
  }

  test("prints the setup token on the console, in the log and in a 0600 file", async () => {
    const dataDir = freshDir();
    const { out, code } = await serveUntil(dataDir, /no management password yet/);
    const token = out.match(/^Setup token: ([A-Za-z0-9_-]{32,})$/m)?.[1];
    expect(token).toBeDefined();
    expect(readFileSync(join(dataDir, "setup-token"), "utf8")).toBe(`${token}\n`);
    expect(statSync(join(dataDir, "setup-token")).mode & 0o777).toBe(0o600);
    const log = readFileSync(join(dataDir, "logs", "lts.log"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log.some((l) => l.msg === `Setup token: ${token}`)).toBe(true);
    expect(code).toBe(0);
  });

  test("loads none of the other commands' modules (with-data-dir, prompt)", async () => {
    const report = moduleReport();
    const { code } = await serveUntil(freshDir(), /listening on/, ["--preload", report.hook]);
    expect(code).toBe(0);
    const loaded = report.loaded();
    expect(loaded.some((m) => m.endsWith("src/server.ts"))).toBe(true);
    expect(loaded.filter((m) => /src\/cli\/(with-data-dir|prompt)\.ts/.test(m))).toEqual([]);
  });

  test("prints no token once a password is set", async () => {
    const dataDir = freshDir();
    await lts(["set-password", "--stdin", "--data-dir", dataDir], { stdin: "correct horse battery staple" });
    const { out } = await serveUntil(dataDir, /listening on/);
    expect(out).not.toContain("Setup token");
    expect(existsSync(join(dataDir, "setup-token"))).toBe(false);
  });

  test("refuses to start when the data dir lost its database", async () => {
    const dataDir = freshDir();
    closeDatabase(openDataDir(dataDir));
    rmSync(join(dataDir, "lts.db"));
    const { code, stderr } = await lts(["--data-dir", dataDir, "--port", "0"]);
    expect(code).toBe(1);
    expect(stderr).toContain("is missing");
    expect(existsSync(join(dataDir, "lts.db"))).toBe(false);
  });
});
