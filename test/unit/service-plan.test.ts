import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOMParser } from "linkedom";
import {
  linuxServicePlan,
  plannedCommands,
  plannedFiles,
  ServicePlanError,
  systemdQuote,
  systemdUnit,
  windowsQuote,
  windowsServicePlan,
  winswXml,
  type ServiceInstallOptions,
} from "../../src/domain/service-plan";
import { tempDir } from "../helpers/temp";

const install = (over: Partial<ServiceInstallOptions> = {}): ServiceInstallOptions => ({
  program: ["/usr/local/bin/lts"],
  serverArgs: [],
  port: 48080,
  version: "0.1.0",
  ...over,
});

const directive = (unit: string, key: string) => unit.split("\n").filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

describe("systemd unit", () => {
  const systemdAnalyze = Bun.which("systemd-analyze");
  // CI installs systemd (.ci/run), so there a missing systemd-analyze is a failure, not a skip.
  const verifyTest = systemdAnalyze || process.env.CI === "true" ? test : test.skip;

  /** `systemd-analyze verify` on the unit as written, with ExecStart's binary a real executable at a path with a space. */
  async function verify(port: number, serverArgs: string[] = []) {
    if (!systemdAnalyze) throw new Error("systemd-analyze is missing: install the systemd package (CI does, in .ci/run)");
    const dir = join(tempDir("lts-unit-"), "opt dir");
    mkdirSync(dir);
    const binary = join(dir, "lts");
    copyFileSync("/bin/true", binary);
    const unit = systemdUnit(install({ program: [binary], port, serverArgs }));
    const file = join(dir, "..", "lts.service");
    writeFileSync(file, unit);
    const proc = Bun.spawnSync([systemdAnalyze, "verify", file], { stdout: "pipe", stderr: "pipe" });
    return { code: proc.exitCode, output: proc.stdout.toString() + proc.stderr.toString(), unit, binary };
  }

  verifyTest("passes systemd-analyze verify with no warning, on an unprivileged and a privileged port", async () => {
    for (const port of [8080, 443]) {
      const { code, output } = await verify(port, ["--port", String(port), "--tls-cert", "/etc/lts/my cert.pem", "--tls-key", "/etc/lts/key.pem", "--base-path", "/lts"]);
      expect({ port, code, output }).toEqual({ port, code: 0, output: "" });
    }
  }, 30_000);

  verifyTest("systemd-analyze verify would catch an unquoted binary path with a space (the check above means something)", async () => {
    const { unit, binary } = await verify(8080);
    const broken = unit.replace(`ExecStart="${binary}"`, `ExecStart=${binary}`);
    expect(broken).not.toBe(unit);
    const file = join(tempDir("lts-unit-"), "lts.service");
    writeFileSync(file, broken);
    const proc = Bun.spawnSync([systemdAnalyze!, "verify", file], { stdout: "pipe", stderr: "pipe" });
    expect(proc.exitCode).not.toBe(0);
  }, 30_000);

  test("runs `serve` on /var/lib/lts as user lts, with the server options quoted for systemd", () => {
    const unit = systemdUnit(install({ program: ["/opt/my lts/lts"], serverArgs: ["--port", "8443", "--tls-cert", "/etc/lts/my cert.pem", "--tls-key", '/etc/lts/k"ey$%.pem', "--trust-proxy", "127.0.0.1,10.0.0.0/8"] }));
    expect(directive(unit, "ExecStart")).toEqual([
      `"/opt/my lts/lts" serve --data-dir /var/lib/lts --port 8443 --tls-cert "/etc/lts/my cert.pem" --tls-key "/etc/lts/k\\"ey$$%%.pem" --trust-proxy 127.0.0.1,10.0.0.0/8`,
    ]);
    expect(directive(unit, "User")).toEqual(["lts"]);
    expect(directive(unit, "Group")).toEqual(["lts"]);
    expect(directive(unit, "StateDirectory")).toEqual(["lts"]);
    expect(directive(unit, "StateDirectoryMode")).toEqual(["0700"]);
    expect(directive(unit, "WorkingDirectory")).toEqual(["/var/lib/lts"]);
    expect(directive(unit, "Restart")).toEqual(["on-failure"]);
    expect(directive(unit, "UMask")).toEqual(["0077"]);
  });

  test("is hardened, keeps a writable temp dir, and leaves MemoryDenyWriteExecute off for Bun's JIT", () => {
    const unit = systemdUnit(install());
    for (const key of ["NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups", "LockPersonality", "RestrictRealtime", "RestrictSUIDSGID"]) {
      expect(directive(unit, key), key).toEqual(["yes"]);
    }
    expect(directive(unit, "ProtectSystem")).toEqual(["strict"]);
    expect(directive(unit, "SystemCallArchitectures")).toEqual(["native"]);
    expect(directive(unit, "RestrictAddressFamilies")).toEqual(["AF_INET AF_INET6 AF_UNIX AF_NETLINK"]);
    expect(directive(unit, "MemoryDenyWriteExecute")).toEqual([]);
    expect(unit).toMatch(/^# MemoryDenyWriteExecute is deliberately not set: Bun's JavaScript JIT/m);
    expect(directive(unit, "ReadOnlyPaths")).toEqual([]);
    expect(directive(unit, "TemporaryFileSystem")).toEqual([]);
  });

  test("grants CAP_NET_BIND_SERVICE only for a port below 1024", () => {
    const high = systemdUnit(install({ port: 8080 }));
    expect(directive(high, "CapabilityBoundingSet")).toEqual([""]);
    expect(directive(high, "AmbientCapabilities")).toEqual([]);
    for (const port of [0, 1024, 48080]) expect(directive(systemdUnit(install({ port })), "AmbientCapabilities"), String(port)).toEqual([]);
    const low = systemdUnit(install({ port: 443 }));
    expect(directive(low, "CapabilityBoundingSet")).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(directive(low, "AmbientCapabilities")).toEqual(["CAP_NET_BIND_SERVICE"]);
  });

  test("refuses a relative binary, paths the sandbox hides (/home, /root), and control characters", () => {
    expect(() => systemdUnit(install({ program: ["lts"] }))).toThrow(ServicePlanError);
    expect(() => systemdUnit(install({ program: ["/home/me/lts"] }))).toThrow(/ProtectHome.*--binary/);
    expect(() => systemdUnit(install({ program: ["/root/lts"] }))).toThrow(ServicePlanError);
    expect(() => systemdUnit(install({ serverArgs: ["--tls-cert", "/home/me/cert.pem"] }))).toThrow(/home/);
    expect(() => systemdUnit(install({ serverArgs: ["--base-path", "/a\nb"] }))).toThrow(/control character/);
  });

  test("systemdQuote: plain words as they are, the rest quoted, % and $ doubled", () => {
    expect(systemdQuote("/usr/local/bin/lts")).toBe("/usr/local/bin/lts");
    expect(systemdQuote("a b")).toBe('"a b"');
    expect(systemdQuote('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(systemdQuote("100%")).toBe("100%%");
    expect(systemdQuote("$HOME")).toBe('"$$HOME"');
    expect(systemdQuote("")).toBe('""');
    expect(systemdQuote(";")).toBe('";"');
  });
});

describe("linuxServicePlan", () => {
  test("install creates the user when missing, writes the unit, reloads, enables and starts", () => {
    const plan = linuxServicePlan("install", { userExists: false, unitExists: false }, install());
    expect(plan.steps.map((s) => s.kind)).toEqual(["run", "write", "run", "run"]);
    expect(plannedCommands(plan)).toEqual([
      ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/var/lib/lts", "--shell", "/usr/sbin/nologin", "lts"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", "lts"],
    ]);
    expect(plannedFiles(plan)).toEqual([{ kind: "write", path: "/etc/systemd/system/lts.service", content: systemdUnit(install()), mode: 0o644 }]);
  });

  test("install over an existing unit keeps the user and restarts the service on its new options", () => {
    const plan = linuxServicePlan("install", { userExists: true, unitExists: true }, install());
    expect(plannedCommands(plan)).toEqual([["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "lts"], ["systemctl", "restart", "lts"]]);
  });

  test("uninstall stops and disables, removes the unit, reloads, and keeps the data", () => {
    const plan = linuxServicePlan("uninstall", { userExists: true, unitExists: true });
    expect(plan.steps).toEqual([
      { kind: "run", argv: ["systemctl", "disable", "--now", "lts"] },
      { kind: "remove", path: "/etc/systemd/system/lts.service" },
      { kind: "run", argv: ["systemctl", "daemon-reload"] },
    ]);
    expect(plan.notes.join("\n")).toContain("/var/lib/lts");
  });

  test("start, stop and status go to systemctl", () => {
    const state = { userExists: true, unitExists: true };
    expect(plannedCommands(linuxServicePlan("start", state))).toEqual([["systemctl", "start", "lts"]]);
    expect(plannedCommands(linuxServicePlan("stop", state))).toEqual([["systemctl", "stop", "lts"]]);
    expect(plannedCommands(linuxServicePlan("status", state))).toEqual([["systemctl", "status", "lts", "--no-pager"]]);
  });
});

describe("Windows service (WinSW), tested as data: the .exe cannot run here", () => {
  const exe = "C:\\Program Files\\LTS & Co\\lts.exe";
  const winInstall = (serverArgs: string[] = []) => install({ program: [exe], serverArgs, port: 8443 });
  const parse = (xml: string) => new DOMParser().parseFromString(xml, "text/xml");

  test("the XML runs lts.exe serve on %ProgramData%\\LTS with the server options, restarts on failure, rolls its logs", () => {
    const xml = winswXml(winInstall(["--port", "8443", "--tls-cert", "C:\\certs\\my cert.pem", "--tls-key", "C:\\certs\\key.pem"]));
    const doc = parse(xml);
    const text = (tag: string) => doc.querySelector(tag)?.textContent;
    expect(doc.documentElement.tagName).toBe("service");
    expect(text("id")).toBe("LTS");
    expect(text("name")).toBe("LTS License Tracking Server");
    expect(text("executable")).toBe(exe);
    expect(text("arguments")).toBe('serve --data-dir "%ProgramData%\\LTS" --port 8443 --tls-cert "C:\\certs\\my cert.pem" --tls-key C:\\certs\\key.pem');
    expect(text("startmode")).toBe("Automatic");
    expect(doc.querySelector("onfailure")?.getAttribute("action")).toBe("restart");
    expect(text("stoptimeout")).toBe("15 sec");
    expect(doc.querySelector("log")?.getAttribute("mode")).toBe("roll-by-size");
    expect(text("logpath")).toBe("%ProgramData%\\LTS\\logs");
    expect(xml).toStartWith('<?xml version="1.0" encoding="UTF-8"?>');
  });

  test("install unpacks the wrapper beside lts.exe with its config, then installs and starts it", () => {
    const plan = windowsServicePlan("install", exe, { installed: false }, winInstall());
    const dir = "C:\\Program Files\\LTS & Co";
    expect(plannedFiles(plan).map((f) => f.path)).toEqual([`${dir}\\lts-service.exe`, `${dir}\\lts-service.exe.config`, `${dir}\\lts-service.xml`]);
    expect(plannedFiles(plan)[0]!.content).toMatchObject({ embedded: "winsw.exe" });
    const config = parse(plannedFiles(plan)[1]!.content as string);
    expect([...config.querySelectorAll("supportedRuntime")].map((e) => e.getAttribute("version"))).toEqual(["v2.0.50727", "v4.0"]);
    expect(plannedFiles(plan)[2]!.content).toBe(winswXml(winInstall()));
    expect(plannedCommands(plan)).toEqual([[`${dir}\\lts-service.exe`, "install"], [`${dir}\\lts-service.exe`, "start"]]);
  });

  test("install over an installed service stops (if running) and uninstalls it first", () => {
    const plan = windowsServicePlan("install", exe, { installed: true }, winInstall());
    const wrapper = "C:\\Program Files\\LTS & Co\\lts-service.exe";
    expect(plan.steps.slice(0, 2)).toEqual([
      { kind: "run", argv: [wrapper, "stop"], mayFail: true },
      { kind: "run", argv: [wrapper, "uninstall"] },
    ]);
    expect(plannedCommands(plan).slice(2)).toEqual([[wrapper, "install"], [wrapper, "start"]]);
  });

  test("uninstall, start, stop and status map to WinSW's commands; uninstall removes the wrapper and keeps the data", () => {
    const wrapper = "C:\\lts\\lts-service.exe";
    const uninstall = windowsServicePlan("uninstall", "C:\\lts\\lts.exe", { installed: true });
    expect(uninstall.steps).toEqual([
      { kind: "run", argv: [wrapper, "stop"], mayFail: true },
      { kind: "run", argv: [wrapper, "uninstall"] },
      { kind: "remove", path: "C:\\lts\\lts-service.xml" },
      { kind: "remove", path: `${wrapper}.config` },
      { kind: "remove", path: wrapper },
    ]);
    expect(uninstall.notes.join("\n")).toContain("%ProgramData%\\LTS");
    for (const action of ["start", "stop", "status"] as const) expect(plannedCommands(windowsServicePlan(action, "C:\\lts\\lts.exe", { installed: true }))).toEqual([[wrapper, action]]);
  });

  test("refuses a relative lts.exe", () => {
    expect(() => winswXml(install({ program: ["lts.exe"] }))).toThrow(ServicePlanError);
  });

  test("windowsQuote follows CommandLineToArgvW: spaces and quotes quoted, backslashes doubled only before a quote", () => {
    expect(windowsQuote("C:\\lts\\cert.pem")).toBe("C:\\lts\\cert.pem");
    expect(windowsQuote("C:\\my certs\\")).toBe('"C:\\my certs\\\\"');
    expect(windowsQuote('a "b"')).toBe('"a \\"b\\""');
    expect(windowsQuote("")).toBe('""');
  });

});
