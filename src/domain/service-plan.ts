/**
 * What `lts service install|uninstall|start|stop|status` does, as data: the files it writes, the
 * commands it runs and the files it removes, in order. Pure (no I/O), so that every plan is tested
 * as data, the Windows one included (it cannot run on the Linux machines that build and test LTS),
 * and `--dry-run` prints exactly what would be done. src/cli/commands/service.ts gathers the inputs
 * (does the user exist, is the unit installed) and carries a plan out.
 */

export const SERVICE_ACTIONS = ["install", "uninstall", "start", "stop", "status"] as const;
export type ServiceAction = (typeof SERVICE_ACTIONS)[number];

export const isServiceAction = (word: string): word is ServiceAction => (SERVICE_ACTIONS as readonly string[]).includes(word);

/** A file content that is not text: WinSW, embedded in the Windows build of lts.exe. */
export interface EmbeddedContent {
  embedded: "winsw.exe";
  description: string;
}

export type ServiceStep =
  | { kind: "write"; path: string; content: string | EmbeddedContent; mode: number }
  | { kind: "run"; argv: string[]; /** a failure is reported and the plan goes on */ mayFail?: boolean }
  | { kind: "remove"; path: string };

export interface ServicePlan {
  steps: ServiceStep[];
  /** What the operator should know afterwards (also printed by --dry-run). */
  notes: string[];
}

export interface ServiceInstallOptions {
  /** The program and its fixed leading arguments, absolute: [lts binary], or [bun, main.ts] from source. */
  program: string[];
  /** Server options for `serve` as flags, validated already: ["--port", "8080", ...]; no --data-dir. */
  serverArgs: string[];
  /** The port the server listens on: below 1024 the Linux unit grants CAP_NET_BIND_SERVICE. */
  port: number;
  /** The LTS version, named in the generated files. */
  version: string;
}

/** A plan's input does not fit (e.g. a binary the service could not run); nothing was done. */
export class ServicePlanError extends Error {}

export const plannedFiles = (plan: ServicePlan) => plan.steps.flatMap((s) => (s.kind === "write" ? [s] : []));
export const plannedCommands = (plan: ServicePlan) => plan.steps.flatMap((s) => (s.kind === "run" ? [s.argv] : []));

// ---------------------------------------------------------------------------------------------
// Linux: a systemd unit

export const LINUX_SERVICE = {
  name: "lts",
  unitPath: "/etc/systemd/system/lts.service",
  user: "lts",
  dataDir: "/var/lib/lts",
} as const;

export interface LinuxServiceState {
  /** Whether the system user `lts` exists already. */
  userExists: boolean;
  /** Whether /etc/systemd/system/lts.service exists already (install then replaces it and restarts). */
  unitExists: boolean;
}

/** Paths that ProtectHome=yes hides from the service: it could neither run nor read them there. */
const HIDDEN_BY_PROTECT_HOME = /^\/(home|root|run\/user)(\/|$)/;

/**
 * The steps for one `lts service ACTION` on a systemd system. `install` needs `install`; `state`
 * says what exists already.
 */
export function linuxServicePlan(action: ServiceAction, state: LinuxServiceState, install?: ServiceInstallOptions): ServicePlan {
  const { name, unitPath, user, dataDir } = LINUX_SERVICE;
  const systemctl = (...args: string[]): ServiceStep => ({ kind: "run", argv: ["systemctl", ...args] });
  switch (action) {
    case "install": {
      if (!install) throw new ServicePlanError("install needs the program and its options");
      const steps: ServiceStep[] = [];
      if (!state.userExists) {
        steps.push({ kind: "run", argv: ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", dataDir, "--shell", "/usr/sbin/nologin", user] });
      }
      steps.push({ kind: "write", path: unitPath, content: systemdUnit(install), mode: 0o644 });
      steps.push(systemctl("daemon-reload"), systemctl("enable", "--now", name));
      if (state.unitExists) steps.push(systemctl("restart", name)); // enable --now leaves a running service on its old options
      return {
        steps,
        notes: [
          `The server runs as user '${user}' with its data in ${dataDir} (mode 0700).`,
          `Run other commands on its data as that user, e.g.: sudo -u ${user} ${install.program.map(shellQuote).join(" ")} set-password --data-dir ${dataDir}`,
          ...(install.serverArgs.includes("--tls-key") ? [`User '${user}' must be able to read the TLS certificate and key, e.g.: chgrp ${user} FILE && chmod 0640 FILE`] : []),
          `See it with: systemctl status ${name}; its log: journalctl -u ${name} (and ${dataDir}/logs).`,
        ],
      };
    }
    case "uninstall":
      return {
        steps: [systemctl("disable", "--now", name), { kind: "remove", path: unitPath }, systemctl("daemon-reload")],
        notes: [`The data in ${dataDir} and the user '${user}' are kept; remove them yourself if you no longer need them.`],
      };
    case "start":
    case "stop":
      return { steps: [systemctl(action, name)], notes: [] };
    case "status":
      return { steps: [systemctl("status", name, "--no-pager")], notes: [] };
  }
}

/** The systemd unit: `serve` on /var/lib/lts as user lts, restarted on failure, hardened. */
export function systemdUnit(install: ServiceInstallOptions): string {
  const { user, dataDir } = LINUX_SERVICE;
  const [binary] = install.program;
  if (!binary || !binary.startsWith("/")) throw new ServicePlanError(`The service needs the binary's absolute path, not '${binary ?? ""}': pass --binary /usr/local/bin/lts`);
  for (const path of [...install.program, ...install.serverArgs]) {
    if (HIDDEN_BY_PROTECT_HOME.test(path)) {
      throw new ServicePlanError(
        `${path} is under /home, /root or /run/user, which the service cannot see (ProtectHome=yes) and user '${user}' cannot read: copy it to /usr/local/bin, /opt/lts or /etc/lts first (pass --binary for the binary).`,
      );
    }
  }
  const execStart = [...install.program, "serve", "--data-dir", dataDir, ...install.serverArgs].map(systemdQuote).join(" ");
  const privileged = install.port > 0 && install.port < 1024;
  return `# Written by 'lts service install' (LTS ${install.version}). Remove it with 'lts service uninstall';
# that keeps the data in ${dataDir}.
[Unit]
Description=LTS License Tracking Server
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${user}
Group=${user}
ExecStart=${execStart}
WorkingDirectory=${dataDir}
StateDirectory=lts
StateDirectoryMode=0700
UMask=0077
Restart=on-failure
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=15
LimitNOFILE=65536

# Hardening. The server writes only its data dir (${dataDir}, StateDirectory) and unpacks the
# argon2 native module into ${dataDir}/tmp; PrivateTmp gives it a writable /tmp of its own.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
# AF_NETLINK: systeminformation lists the network interfaces (the machine UUID's mac label).
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
LockPersonality=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
RemoveIPC=yes
SystemCallArchitectures=native
${
  privileged
    ? `# Port ${install.port} is below 1024: the one capability the server needs to listen on it.
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
AmbientCapabilities=CAP_NET_BIND_SERVICE`
    : "CapabilityBoundingSet="
}
# MemoryDenyWriteExecute is deliberately not set: Bun's JavaScript JIT needs memory that is both
# writable and executable, and the server would not start.

[Install]
WantedBy=multi-user.target
`;
}

/** A word as a POSIX shell reads it back, for commands shown to copy. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * One ExecStart word as systemd reads it back: `%` and `$` doubled (specifiers and variables),
 * anything beyond plain path characters in double quotes with `\` and `"` escaped.
 */
export function systemdQuote(word: string): string {
  if (/[\x00-\x1f\x7f]/.test(word)) throw new ServicePlanError(`A control character (e.g. a line break) cannot go into the unit: ${JSON.stringify(word)}`);
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

// ---------------------------------------------------------------------------------------------
// Windows: WinSW supervises lts.exe (a Bun binary does not speak the service control protocol)

export const WINDOWS_SERVICE = {
  id: "LTS",
  displayName: "LTS License Tracking Server",
  /** Expanded by WinSW when it starts the server. */
  dataDir: "%ProgramData%\\LTS",
  wrapper: "lts-service.exe",
} as const;

export interface WindowsServiceState {
  /** Whether lts-service.xml exists beside lts.exe (install then replaces the service). */
  installed: boolean;
}

/** WinSW 1.17 is built for .NET 2.0; this lets it run where only .NET 4 is installed (as node-windows ships it). */
export const WINSW_RUNTIME_CONFIG = `<configuration>
  <startup>
    <supportedRuntime version="v2.0.50727" />
    <supportedRuntime version="v4.0" />
  </startup>
</configuration>
`;

/**
 * The steps for one `lts service ACTION` on Windows. The wrapper (lts-service.exe, its .config and
 * lts-service.xml) lives beside lts.exe: `program[0]` for install, `ltsExe` for the other actions.
 */
export function windowsServicePlan(action: ServiceAction, ltsExe: string, state: WindowsServiceState, install?: ServiceInstallOptions): ServicePlan {
  const dir = windowsDirname(ltsExe);
  const wrapper = `${dir}\\${WINDOWS_SERVICE.wrapper}`;
  const xml = `${dir}\\lts-service.xml`;
  const config = `${wrapper}.config`;
  const run = (command: string, mayFail = false): ServiceStep => ({ kind: "run", argv: [wrapper, command], ...(mayFail ? { mayFail } : {}) });
  const removeOld = [run("stop", true), run("uninstall")];
  switch (action) {
    case "install":
      if (!install) throw new ServicePlanError("install needs the program and its options");
      return {
        steps: [
          ...(state.installed ? removeOld : []),
          { kind: "write", path: wrapper, content: { embedded: "winsw.exe", description: "WinSW 1.17.0.0, the service wrapper embedded in lts.exe" }, mode: 0o755 },
          { kind: "write", path: config, content: WINSW_RUNTIME_CONFIG, mode: 0o644 },
          { kind: "write", path: xml, content: winswXml(install), mode: 0o644 },
          run("install"),
          run("start"),
        ],
        notes: [
          `The service '${WINDOWS_SERVICE.id}' starts with Windows and keeps its data in ${WINDOWS_SERVICE.dataDir}; the wrapper's logs are in ${WINDOWS_SERVICE.dataDir}\\logs.`,
        ],
      };
    case "uninstall":
      return {
        steps: [...removeOld, { kind: "remove", path: xml }, { kind: "remove", path: config }, { kind: "remove", path: wrapper }],
        notes: [`The data in ${WINDOWS_SERVICE.dataDir} is kept; remove it yourself if you no longer need it.`],
      };
    case "start":
    case "stop":
    case "status":
      return { steps: [run(action)], notes: [] };
  }
}

/** WinSW's configuration: lts.exe `serve` on %ProgramData%\LTS, restarted on failure, logs rolled by size. */
export function winswXml(install: ServiceInstallOptions): string {
  const [executable, ...leading] = install.program;
  if (!executable || !/^([A-Za-z]:[\\/]|\\\\)/.test(executable)) throw new ServicePlanError(`The service needs lts.exe's absolute path, not '${executable ?? ""}'`);
  // WinSW expands %VARIABLES% in <arguments>: the data dir is given that way, quoted in case
  // %ProgramData% holds a space.
  const args = [...leading.map(windowsQuote), "serve", "--data-dir", `"${WINDOWS_SERVICE.dataDir}"`, ...install.serverArgs.map(windowsQuote)].join(" ");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by 'lts service install' (LTS ${escapeXml(install.version)}) for WinSW 1.17 (lts-service.exe beside it).
     Remove the service with 'lts service uninstall'; that keeps the data in ${WINDOWS_SERVICE.dataDir}. -->
<service>
  <id>${WINDOWS_SERVICE.id}</id>
  <name>${WINDOWS_SERVICE.displayName}</name>
  <description>The License Tracking Server: admin portal and client API (lts serve).</description>
  <executable>${escapeXml(executable)}</executable>
  <arguments>${escapeXml(args)}</arguments>
  <startmode>Automatic</startmode>
  <onfailure action="restart" delay="10 sec"/>
  <resetfailure>1 hour</resetfailure>
  <stoptimeout>15 sec</stoptimeout>
  <logpath>${WINDOWS_SERVICE.dataDir}\\logs</logpath>
  <log mode="roll-by-size">
    <sizeThreshold>10240</sizeThreshold>
    <keepFiles>8</keepFiles>
  </log>
</service>
`;
}

/**
 * One argument as Windows programs split a command line (CommandLineToArgvW): quoted when it holds
 * a space, a tab or a quote, with backslashes doubled before a quote and at the end.
 */
export function windowsQuote(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      backslashes++;
      continue;
    }
    out += ch === '"' ? "\\".repeat(backslashes * 2 + 1) + '"' : "\\".repeat(backslashes) + ch;
    backslashes = 0;
  }
  return out + "\\".repeat(backslashes * 2) + '"';
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

const windowsDirname = (path: string) => path.replace(/[\\/][^\\/]*$/, "");
