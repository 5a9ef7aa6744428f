import { accessSync, chmodSync, constants, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, SERVER_OPTIONS, type OptionName } from "../../config";
import {
  isServiceAction,
  LINUX_SERVICE,
  linuxServicePlan,
  SERVICE_ACTIONS,
  ServicePlanError,
  shellQuote,
  WINDOWS_SERVICE,
  windowsQuote,
  windowsServicePlan,
  type ServiceAction,
  type ServiceInstallOptions,
  type ServicePlan,
  type ServiceStep,
} from "../../domain/service-plan";
import { selfCommand } from "../../lib/runtime";
import { VERSION } from "../../lib/version";
import { parseArgs } from "../args";
import { CommandError, UsageError } from "../errors";
import { refuseExtra, type LtsCommand } from "./command";

/** The server options `install` passes on to `serve`; the data dir is the service's own. */
const INSTALL_SERVER_OPTIONS = (Object.keys(SERVER_OPTIONS) as OptionName[]).filter((name) => name !== "dataDir");

const OPTIONS = {
  dryRun: { flag: "--dry-run", env: "", help: "print exactly what would be done (files with their content, commands) and do nothing" },
  binary: { flag: "--binary", env: "", value: "PATH", help: "with install: the lts binary the service runs (default: this one)" },
};

/** What `lts service` touches on this machine; tests hand in a fake (nothing here installs a unit). */
export interface ServiceHost {
  platform: NodeJS.Platform;
  /** The effective user id (undefined on Windows). */
  uid: number | undefined;
  /** The command line that runs this lts: [binary], or [bun, main.ts] from source. */
  self: string[];
  /** Whether systemd is the init system (sd_booted: /run/systemd/system exists), and PID 1's name. */
  systemd(): { running: boolean; pid1: string };
  userExists(name: string): boolean;
  exists(path: string): boolean;
  isExecutable(path: string): boolean;
  /** WinSW as embedded in the Windows build, or null (a build without it, or from source). */
  winsw(): Promise<Uint8Array | null>;
  writeFile(path: string, content: string | Uint8Array, mode: number): void;
  removeFile(path: string): void;
  /** Runs a command with the terminal as its stdio; its exit code. */
  run(argv: string[]): number;
  out(text: string): void;
}

export const service: LtsCommand = {
  name: "service",
  usage: [
    {
      line: "lts service install [--binary PATH] [options] [--dry-run]",
      summary: "run lts as a service: a systemd unit (Linux) or a Windows\nservice (WinSW); data in /var/lib/lts or %ProgramData%\\LTS",
    },
    { line: "lts service uninstall|start|stop|status [--dry-run]", summary: "remove (keeping the data), start, stop or show the service" },
  ],
  serverOptions: INSTALL_SERVER_OPTIONS,
  options: OPTIONS,
  help: `Registers this lts binary as a service that starts at boot and restarts on failure.
Linux: writes ${LINUX_SERVICE.unitPath} (user '${LINUX_SERVICE.user}', created if missing; data in
${LINUX_SERVICE.dataDir}; sandboxed) and enables and starts it with systemctl. Needs root (sudo)
and systemd as the init system. Windows: writes lts-service.exe (WinSW, embedded in lts.exe),
lts-service.exe.config and lts-service.xml beside lts.exe, and installs and starts the service
'${WINDOWS_SERVICE.id}' (data in ${WINDOWS_SERVICE.dataDir}); run it from an Administrator prompt.
The server options given to install go onto the service's command line; LTS_* variables of your
shell do not: give them as flags. Install again to change them. Uninstall keeps the data.
--dry-run prints the files and commands and changes nothing (no root needed).`,
  async run(args) {
    const { flags, positionals } = parseArgs(args, INSTALL_SERVER_OPTIONS, OPTIONS);
    const [action, ...extra] = positionals;
    refuseExtra(extra);
    if (action === undefined || !isServiceAction(action)) {
      const what = action === undefined ? "Say what to do" : `Unknown service command '${action}'`;
      throw new UsageError(`${what}: lts service ${SERVICE_ACTIONS.join("|")} [--dry-run]. Run 'lts service --help' for more.`);
    }
    return serviceCommand(action, flags, realHost());
  },
};

/**
 * `lts service ACTION`: builds the plan for this platform from what exists, then prints it
 * (--dry-run) or carries it out. Refuses (CommandError, nothing done) when not root on Linux, when
 * systemd is not the init system, or when the service is not installed (start, stop, status).
 */
export async function serviceCommand(action: ServiceAction, flags: Record<string, string | undefined>, host: ServiceHost): Promise<number> {
  const given = INSTALL_SERVER_OPTIONS.filter((name) => flags[name] !== undefined);
  if (action !== "install" && (given.length > 0 || flags.binary !== undefined)) {
    const flag = given.length > 0 ? SERVER_OPTIONS[given[0]!].flag : OPTIONS.binary.flag;
    throw new UsageError(`${flag} belongs to 'lts service install' (install again to change the service's options).`);
  }
  const dryRun = flags.dryRun !== undefined;
  const install = action === "install" ? installOptions(flags, given, host) : undefined;
  const plan = planFor(action, host, install, dryRun);
  if (!plan) return 0;
  if (dryRun) {
    host.out(describePlan(plan, host.platform));
    return 0;
  }
  return carryOut(plan, action, host);
}

/** The server options given, validated as `serve` would, as flags in their checked form. */
function installOptions(flags: Record<string, string | undefined>, given: OptionName[], host: ServiceHost): ServiceInstallOptions {
  const config = loadConfig({ env: {}, flags }); // the shell's LTS_* variables are not the service's
  const serverArgs = given.flatMap((name) => [SERVER_OPTIONS[name].flag, String(config[name])]);
  const program = flags.binary !== undefined ? [resolve(flags.binary)] : host.self;
  for (const file of program) {
    if (!host.exists(file)) throw new CommandError(`${file} does not exist: pass the installed binary with --binary PATH.`);
    if (host.platform !== "win32" && !host.isExecutable(file) && file === program[0]) throw new CommandError(`${file} is not executable: chmod +x it, or pass another with --binary PATH.`);
  }
  return { program, serverArgs, port: config.port, version: VERSION };
}

function planFor(action: ServiceAction, host: ServiceHost, install: ServiceInstallOptions | undefined, dryRun: boolean): ServicePlan | null {
  try {
    if (host.platform === "win32") {
      const ltsExe = install?.program[0] ?? host.self[0]!;
      const installed = host.exists(ltsExe.replace(/[\\/][^\\/]*$/, "\\lts-service.xml"));
      if (!installed && action !== "install") return notInstalled(action, host, `${WINDOWS_SERVICE.id} (no lts-service.xml beside ${ltsExe})`);
      return windowsServicePlan(action, ltsExe, { installed }, install);
    }
    if (host.platform !== "linux") throw new CommandError(`'lts service' supports Linux (systemd) and Windows, not ${host.platform}: run 'lts serve' under your own supervisor.`);
    const systemd = host.systemd();
    if (!dryRun && action !== "status" && host.uid !== 0) {
      throw new CommandError(`'lts service ${action}' changes the system and must run as root: sudo lts service ${action} ... (or add --dry-run to see what it would do).`);
    }
    if (!systemd.running) {
      const why = `systemd is not the init system here (PID 1 is '${systemd.pid1}', e.g. a container), so there is no service manager to register lts with.`;
      if (!dryRun) throw new CommandError(`${why} Run 'lts serve --data-dir DIR' under this machine's own supervisor instead.`);
      host.out(`Note: ${why} The plan below is what a systemd machine would get.\n`);
    }
    const unitExists = host.exists(LINUX_SERVICE.unitPath);
    if (!unitExists && action !== "install") return notInstalled(action, host, `${LINUX_SERVICE.unitPath} does not exist`);
    const userExists = action === "install" ? host.userExists(LINUX_SERVICE.user) : true;
    return linuxServicePlan(action, { userExists, unitExists }, install);
  } catch (err) {
    if (err instanceof ServicePlanError) throw new CommandError(`${err.message}\nNothing was changed.`);
    throw err;
  }
}

function notInstalled(action: ServiceAction, host: ServiceHost, detail: string): null {
  if (action === "uninstall") {
    host.out(`The LTS service is not installed (${detail}): nothing to do.`);
    return null;
  }
  throw new CommandError(`The LTS service is not installed (${detail}): install it first with 'lts service install'.`);
}

/** --dry-run's text: every step in order, files with their full content. */
export function describePlan(plan: ServicePlan, platform: NodeJS.Platform): string {
  const quote = platform === "win32" ? windowsQuote : shellQuote;
  const lines = ["Dry run: nothing is changed. These steps would be carried out, in order:", ""];
  for (const step of plan.steps) {
    if (step.kind === "run") lines.push(`run: ${step.argv.map(quote).join(" ")}${step.mayFail ? "   (a failure is ignored)" : ""}`);
    else if (step.kind === "remove") lines.push(`remove: ${step.path}`);
    else if (typeof step.content !== "string") lines.push(`write: ${step.path} (${step.content.description})`);
    else lines.push(`write: ${step.path} (mode ${step.mode.toString(8).padStart(4, "0")}):`, `----- begin ${step.path} -----`, step.content.trimEnd(), `----- end ${step.path} -----`);
  }
  if (plan.notes.length > 0) lines.push("", ...plan.notes);
  return lines.join("\n");
}

async function carryOut(plan: ServicePlan, action: ServiceAction, host: ServiceHost): Promise<number> {
  const quote = host.platform === "win32" ? windowsQuote : shellQuote;
  // Every file's content is at hand before the first step: a missing wrapper changes nothing.
  const contents = await Promise.all(plan.steps.map((step) => (step.kind === "write" ? contentOf(step, host) : null)));
  const done: string[] = [];
  const fail = (what: string): never => {
    const hint = host.platform === "win32" ? " If it says access is denied, run it from an Administrator prompt." : "";
    throw new CommandError(`${what}.${hint}\n${done.length > 0 ? `Done before that: ${done.join("; ")}.` : "Nothing was changed."}`);
  };
  for (const [i, step] of plan.steps.entries()) {
    if (step.kind === "run") {
      const shown = step.argv.map(quote).join(" ");
      host.out(`$ ${shown}`);
      const code = host.run(step.argv);
      // status answers with the service's state: systemctl exits 3 for a stopped service.
      if (action === "status") return code;
      if (code !== 0 && !step.mayFail) fail(`'${shown}' failed (exit code ${code}); see its message above`);
      done.push(shown);
    } else {
      try {
        if (step.kind === "remove") host.removeFile(step.path);
        else host.writeFile(step.path, contents[i]!, step.mode);
      } catch (err) {
        fail(`Could not ${step.kind} ${step.path}: ${(err as Error).message}`);
      }
      host.out(`${step.kind === "remove" ? "removed" : "wrote"} ${step.path}`);
      done.push(`${step.kind === "remove" ? "removed" : "wrote"} ${step.path}`);
    }
  }
  if (plan.notes.length > 0) host.out(plan.notes.join("\n"));
  return 0;
}

async function contentOf(step: Extract<ServiceStep, { kind: "write" }>, host: ServiceHost): Promise<string | Uint8Array> {
  if (typeof step.content === "string") return step.content;
  const bytes = await host.winsw();
  if (!bytes) throw new CommandError("This lts.exe carries no service wrapper (WinSW): use a release build of lts.exe (scripts/build.ts --target bun-windows-x64 embeds it).\nNothing was changed.");
  return bytes;
}

function realHost(): ServiceHost {
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    self: selfCommand(),
    systemd() {
      let pid1 = "unknown";
      try {
        pid1 = readFileSync("/proc/1/comm", "utf8").trim();
      } catch {}
      return { running: existsSync("/run/systemd/system"), pid1 };
    },
    userExists: (name) => Bun.spawnSync(["getent", "passwd", name], { stdout: "ignore", stderr: "ignore" }).exitCode === 0,
    exists: (path) => existsSync(path),
    isExecutable(path) {
      try {
        accessSync(path, constants.X_OK);
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    async winsw() {
      const file = Bun.embeddedFiles.find((f) => (f as Blob & { name: string }).name.endsWith("winsw.exe"));
      return file ? new Uint8Array(await file.arrayBuffer()) : null;
    },
    writeFile(path, content, mode) {
      writeFileSync(path, content, { mode });
      chmodSync(path, mode); // an existing file keeps its old mode otherwise
    },
    removeFile: (path) => rmSync(path, { force: true }),
    run: (argv) => Bun.spawnSync(argv, { stdio: ["inherit", "inherit", "inherit"] }).exitCode,
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : text + "\n"),
  };
}
