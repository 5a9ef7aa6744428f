import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { serviceCommand, type ServiceHost } from "../../src/cli/commands/service";
import { CommandError, UsageError } from "../../src/cli/errors";
import { systemdUnit } from "../../src/domain/service-plan";
import { VERSION } from "../../src/lib/version";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const UNIT = "/etc/systemd/system/lts.service";

async function lts(args: string[]) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** A machine that records what `lts service` does to it, and does none of it. */
function fakeHost(over: Partial<ServiceHost> & { files?: string[]; users?: string[]; exitCodes?: Record<string, number> } = {}) {
  const files = new Set(over.files ?? ["/usr/local/bin/lts"]);
  const users = new Set(over.users ?? []);
  const actions: string[] = [];
  const written = new Map<string, string | Uint8Array>();
  const output: string[] = [];
  const host: ServiceHost = {
    platform: "linux",
    uid: 0,
    self: ["/usr/local/bin/lts"],
    systemd: () => ({ running: true, pid1: "systemd" }),
    userExists: (name) => users.has(name),
    exists: (path) => files.has(path),
    isExecutable: (path) => files.has(path),
    winsw: async () => new Uint8Array([0x4d, 0x5a]),
    writeFile(path, content, mode) {
      actions.push(`write ${path} ${mode.toString(8)}`);
      written.set(path, content);
      files.add(path);
    },
    removeFile(path) {
      actions.push(`remove ${path}`);
      files.delete(path);
    },
    run(argv) {
      actions.push(`run ${argv.join(" ")}`);
      return over.exitCodes?.[argv.join(" ")] ?? 0;
    },
    out: (text) => output.push(text),
    ...over,
  };
  return { host, actions, written, output: () => output.join("\n") };
}

describe("lts service on the command line", () => {
  test("is in the registry: 'lts --help' lists it and 'lts service --help' explains it", async () => {
    expect((await lts(["--help"])).stdout).toContain("lts service install");
    const help = await lts(["service", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--dry-run");
    expect(help.stdout).toContain("--binary PATH");
  }, 30_000); // spawns lts: slow on a loaded machine

  test("install --dry-run prints the unit with the options on ExecStart, quoted, and the commands, and changes nothing", async () => {
    const before = existsSync(UNIT) ? readFileSync(UNIT, "utf8") : null;
    const userBefore = Bun.spawnSync(["getent", "passwd", "lts"]).exitCode;
    const { stdout, stderr, code } = await lts(["service", "install", "--dry-run", "--binary", "/bin/true", "--port", "8443", "--tls-cert", "/etc/lts/my cert.pem", "--tls-key", "/etc/lts/key.pem", "--base-path", "/lts/"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("Dry run: nothing is changed.");
    expect(stdout).toContain(`write: ${UNIT} (mode 0644):`);
    expect(stdout).toContain('ExecStart=/bin/true serve --data-dir /var/lib/lts --port 8443 --tls-cert "/etc/lts/my cert.pem" --tls-key /etc/lts/key.pem --base-path /lts\n');
    expect(stdout).toContain("[Install]\nWantedBy=multi-user.target\n");
    expect(stdout).toContain("run: systemctl daemon-reload\nrun: systemctl enable --now lts");
    expect(existsSync(UNIT) ? readFileSync(UNIT, "utf8") : null).toBe(before);
    expect(Bun.spawnSync(["getent", "passwd", "lts"]).exitCode).toBe(userBefore);
  }, 30_000); // spawns lts: slow on a loaded machine

  test("a bad server option is refused before anything is planned (exit 2)", async () => {
    const { code, stderr } = await lts(["service", "install", "--dry-run", "--binary", "/bin/true", "--tls-cert", "/etc/lts/c.pem"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--tls-cert and --tls-key go together");
  }, 30_000); // spawns lts: slow on a loaded machine

  test("an unknown subcommand, or a server option given to another subcommand, is a usage error", async () => {
    const unknown = await lts(["service", "restart"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("lts service install|uninstall|start|stop|status");
    const misplaced = await lts(["service", "start", "--port", "80"]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("--port belongs to 'lts service install'");
  }, 30_000); // spawns lts: slow on a loaded machine
});

describe("serviceCommand on Linux (a fake machine: nothing is installed here)", () => {
  const installArgs = { port: "8080", host: "127.0.0.1" };

  test("install creates the user, writes the unit, reloads, enables and starts, in that order", async () => {
    const { host, actions, written, output } = fakeHost();
    expect(await serviceCommand("install", installArgs, host)).toBe(0);
    expect(actions).toEqual([
      "run useradd --system --user-group --no-create-home --home-dir /var/lib/lts --shell /usr/sbin/nologin lts",
      `write ${UNIT} 644`,
      "run systemctl daemon-reload",
      "run systemctl enable --now lts",
    ]);
    expect(written.get(UNIT)).toBe(systemdUnit({ program: ["/usr/local/bin/lts"], serverArgs: ["--port", "8080", "--host", "127.0.0.1"], port: 8080, version: VERSION }));
    expect(output()).toContain("sudo -u lts /usr/local/bin/lts set-password --data-dir /var/lib/lts");
  });

  test("the shell's LTS_* variables do not reach the unit: only the flags given do", async () => {
    const { host, written } = fakeHost({ users: ["lts"] });
    await serviceCommand("install", {}, host);
    expect(written.get(UNIT)).toContain("ExecStart=/usr/local/bin/lts serve --data-dir /var/lib/lts\n");
  });

  test("--dry-run prints the plan and does nothing, without root", async () => {
    for (const action of ["install", "uninstall"] as const) {
      const { host, actions, output } = fakeHost({ uid: 1000, files: ["/usr/local/bin/lts", UNIT] });
      expect(await serviceCommand(action, { dryRun: "" }, host)).toBe(0);
      expect(actions).toEqual([]);
      expect(output()).toContain("Dry run: nothing is changed.");
      if (action === "install") expect(output()).toContain("ExecStart=/usr/local/bin/lts serve --data-dir /var/lib/lts");
      else expect(output()).toContain(`run: systemctl disable --now lts\nremove: ${UNIT}\nrun: systemctl daemon-reload`);
    }
  });

  test("not root: refused with the sudo command to use, nothing done", async () => {
    for (const action of ["install", "uninstall", "start", "stop"] as const) {
      const { host, actions } = fakeHost({ uid: 1000, files: ["/usr/local/bin/lts", UNIT] });
      const refusal = serviceCommand(action, {}, host);
      await expect(refusal).rejects.toThrow(CommandError);
      await expect(refusal).rejects.toThrow(`must run as root: sudo lts service ${action}`);
      await refusal.catch(() => {});
      expect(actions).toEqual([]);
    }
  });

  test("status needs no root, and answers with systemctl's exit code (3: stopped)", async () => {
    const { host, actions } = fakeHost({ uid: 1000, files: ["/usr/local/bin/lts", UNIT], exitCodes: { "systemctl status lts --no-pager": 3 } });
    expect(await serviceCommand("status", {}, host)).toBe(3);
    expect(actions).toEqual(["run systemctl status lts --no-pager"]);
  });

  test("without systemd as PID 1 (a container) it says so and does nothing; --dry-run still shows the plan", async () => {
    const container = () => fakeHost({ systemd: () => ({ running: false, pid1: "tini" }) });
    const { host, actions } = container();
    const refusal = serviceCommand("install", {}, host);
    await expect(refusal).rejects.toThrow("systemd is not the init system here (PID 1 is 'tini'");
    await refusal.catch(() => {});
    expect(actions).toEqual([]);
    const dry = container();
    expect(await serviceCommand("install", { dryRun: "" }, dry.host)).toBe(0);
    expect(dry.output()).toContain("systemd is not the init system here");
    expect(dry.output()).toContain("ExecStart=");
  });

  test("uninstall disables, removes the unit and keeps the data; when not installed there is nothing to do", async () => {
    const { host, actions, output } = fakeHost({ files: ["/usr/local/bin/lts", UNIT] });
    expect(await serviceCommand("uninstall", {}, host)).toBe(0);
    expect(actions).toEqual(["run systemctl disable --now lts", `remove ${UNIT}`, "run systemctl daemon-reload"]);
    expect(output()).toContain("The data in /var/lib/lts and the user 'lts' are kept");
    const none = fakeHost();
    expect(await serviceCommand("uninstall", {}, none.host)).toBe(0);
    expect(none.output()).toContain("not installed");
    expect(none.actions).toEqual([]);
    await expect(serviceCommand("start", {}, fakeHost().host)).rejects.toThrow("install it first with 'lts service install'");
  });

  test("a failing command stops the install and says what was done before it", async () => {
    const { host, actions } = fakeHost({ users: ["lts"], exitCodes: { "systemctl enable --now lts": 1 } });
    const failure = serviceCommand("install", {}, host);
    await expect(failure).rejects.toThrow(`'systemctl enable --now lts' failed (exit code 1); see its message above.\nDone before that: wrote ${UNIT}; systemctl daemon-reload.`);
    await failure.catch(() => {});
    expect(actions.at(-1)).toBe("run systemctl enable --now lts");
  });

  test("a binary the service cannot run is refused, and nothing is done", async () => {
    const missing = fakeHost();
    await expect(serviceCommand("install", { binary: "/opt/lts/lts" }, missing.host)).rejects.toThrow("/opt/lts/lts does not exist: pass the installed binary with --binary PATH");
    const home = fakeHost({ files: ["/home/me/lts"], self: ["/home/me/lts"] });
    const refusal = serviceCommand("install", {}, home.host);
    await expect(refusal).rejects.toThrow(/ProtectHome=yes.*\nNothing was changed\./s);
    await refusal.catch(() => {});
    expect(home.actions).toEqual([]);
  });

  test("server options belong to install only", async () => {
    await expect(serviceCommand("stop", { port: "80" }, fakeHost().host)).rejects.toThrow(UsageError);
  });
});

describe("serviceCommand on Windows (a fake machine)", () => {
  const exe = "C:\\LTS\\lts.exe";
  const windows = (over: Parameters<typeof fakeHost>[0] = {}) => fakeHost({ platform: "win32", uid: undefined, self: [exe], files: [exe], ...over });

  test("install unpacks WinSW and writes its config beside lts.exe, then installs and starts the service", async () => {
    const { host, actions, written } = windows();
    expect(await serviceCommand("install", { port: "8080" }, host)).toBe(0);
    expect(actions).toEqual([
      "write C:\\LTS\\lts-service.exe 755",
      "write C:\\LTS\\lts-service.exe.config 644",
      "write C:\\LTS\\lts-service.xml 644",
      "run C:\\LTS\\lts-service.exe install",
      "run C:\\LTS\\lts-service.exe start",
    ]);
    expect(written.get("C:\\LTS\\lts-service.exe")).toEqual(new Uint8Array([0x4d, 0x5a]));
    expect(written.get("C:\\LTS\\lts-service.xml")).toContain('<arguments>serve --data-dir &quot;%ProgramData%\\LTS&quot; --port 8080</arguments>');
  });

  test("a build without the embedded WinSW is refused before anything is done, even over an installed service", async () => {
    const { host, actions } = windows({ winsw: async () => null, files: [exe, "C:\\LTS\\lts-service.xml"] });
    const refusal = serviceCommand("install", {}, host);
    await expect(refusal).rejects.toThrow("carries no service wrapper (WinSW)");
    await refusal.catch(() => {});
    expect(actions).toEqual([]);
  });

  test("status maps to WinSW's status", async () => {
    const { host, actions } = windows({ files: [exe, "C:\\LTS\\lts-service.xml"] });
    expect(await serviceCommand("status", {}, host)).toBe(0);
    expect(actions).toEqual(["run C:\\LTS\\lts-service.exe status"]);
  });
});
