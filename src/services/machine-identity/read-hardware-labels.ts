import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, readSync, realpathSync } from "node:fs";
import { isAbsolute } from "node:path";
import { selfCommand } from "../../lib/runtime";
import { MACHINE_LABELS, normalizeLabelValue, type LabelReading, type MachineLabel } from "../../domain/machine-uuid";

/**
 * Reads every label on this machine. `customIdFile` is the custom ID file's path (the `custom`
 * label has no value without one). `only`, when given, names the labels the caller needs: the
 * others may come back unread (value null), so that a UUID bound to the custom ID file alone is
 * checked without the slow hardware read (seconds at start-up, which would delay readiness).
 * Injected through Deps, so tests use fixed values.
 */
export type LabelReader = (options: { customIdFile?: string | null; only?: readonly MachineLabel[] }) => Promise<LabelReading[]>;

type Si = typeof import("systeminformation");
type NetworkInterface = import("systeminformation").Systeminformation.NetworkInterfacesData;

/** How long systeminformation may take before the hardware labels count as unreadable. */
const READ_TIMEOUT_MS = 20_000;
/** A custom ID file holds one short line; anything bigger is the wrong file. */
export const CUSTOM_ID_FILE_MAX_BYTES = 4096;

let hardware: Promise<Map<MachineLabel, LabelReading>> | undefined;

/**
 * The real reader: systeminformation, loaded on first use and asked once per process (it forks
 * dozens of processes: stack-notes gotcha 12); the custom ID file is read at every call.
 */
export const readHardwareLabels: LabelReader = async ({ customIdFile, only }) => {
  const labels = needsHardware(only) ? await (hardware ??= readWithSysteminformation()) : UNREAD;
  return MACHINE_LABELS.map((label) => (label === "custom" ? readCustomIdFile(customIdFile ?? null) : labels.get(label)!));
};

/**
 * The same, with the hardware part read by a child process (`lts uuid labels --json`): some of
 * systeminformation's reads are synchronous and would hold the server's event loop for ~150 ms,
 * so the running server asks a child instead and stays free to answer.
 */
export const readHardwareLabelsInChild: LabelReader = async ({ customIdFile, only }) => {
  const labels = needsHardware(only) ? await (hardware ??= readInChildProcess()) : UNREAD;
  return MACHINE_LABELS.map((label) => (label === "custom" ? readCustomIdFile(customIdFile ?? null) : labels.get(label)!));
};

function needsHardware(only: readonly MachineLabel[] | undefined): boolean {
  return only === undefined || only.some((label) => label !== "custom");
}

/** The hardware labels when the caller needs none of them. */
const UNREAD = new Map<MachineLabel, LabelReading>(MACHINE_LABELS.map((label) => [label, { label, value: null, reason: "not read: the stored UUID does not use it" }] as const));

async function readInChildProcess(): Promise<Map<MachineLabel, LabelReading>> {
  try {
    const child = Bun.spawn([...selfCommand(), "uuid", "labels", "--json"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: READ_TIMEOUT_MS });
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`exit ${code}${err ? `: ${err.trim()}` : ""}`);
    const readings = JSON.parse(out) as LabelReading[];
    return new Map(readings.map((r) => [r.label, r]));
  } catch (error) {
    return new Map(MACHINE_LABELS.map((label) => [label, { label, value: null, reason: `not readable: the label reader failed (${(error as Error).message})` }] as const));
  }
}

async function readWithSysteminformation(): Promise<Map<MachineLabel, LabelReading>> {
  const unavailable = (reason: string) => new Map(MACHINE_LABELS.map((label) => [label, { label, value: null, reason }] as const));
  let si: Si;
  try {
    si = await import("systeminformation");
  } catch (error) {
    return unavailable(`not readable: systeminformation could not be loaded (${(error as Error).message})`);
  }
  const ask = <T>(read: () => Promise<T>) => settle(withTimeout(read(), READ_TIMEOUT_MS));
  const [cpu, uuid, system, baseboard, nics] = await Promise.all([
    ask(() => si.cpu()),
    ask(() => si.uuid()),
    ask(() => si.system()),
    ask(() => si.baseboard()),
    ask(() => si.networkInterfaces()),
  ]);
  const result = new Map<MachineLabel, LabelReading>();
  const put = (label: MachineLabel, read: () => LabelReading) => {
    try {
      result.set(label, read());
    } catch (error) {
      result.set(label, { label, value: null, reason: `not readable: ${(error as Error).message}` });
    }
  };
  put("processor-id", () => {
    const c = cpu.ok ? cpu.value : null;
    if (!c) return failed("processor-id", cpu);
    // systeminformation has no ProcessorId; like Windows' (CPUID signature), this names the
    // processor model, not the single chip.
    if (!c.family && !c.model) return { label: "processor-id", value: null, reason: "not reported here: systeminformation gives no CPU family or model" };
    return reading("processor-id", [c.vendor || c.manufacturer, c.family, c.model, c.stepping].join("/"));
  });
  put("mac", () => {
    if (!nics.ok) return failed("mac", nics);
    const mac = pickPhysicalMac(nics.value, isVirtualOnLinux);
    return mac ? reading("mac", mac) : { label: "mac", value: null, reason: "no physical network interface with a MAC address (loopback, bridges, veth, docker, tun/tap are left out)" };
  });
  put("machine-id", () => {
    if (!uuid.ok) return failed("machine-id", uuid);
    const r = reading("machine-id", uuid.value.os);
    if (r.value === null && process.platform === "linux") return { ...r, reason: "empty: /etc/machine-id is missing or empty (systemd-machine-id-setup creates it)" };
    return r;
  });
  put("motherboard-serial", () => {
    if (process.platform === "linux" && !existsSync("/sys/class/dmi")) {
      return { label: "motherboard-serial", value: null, reason: "not readable: /sys/class/dmi is absent (container or VM)" };
    }
    const board = baseboard.ok ? normalizeLabelValue("motherboard-serial", baseboard.value.serial) : null;
    if (board?.value) return { label: "motherboard-serial", ...board };
    const sys = system.ok ? normalizeLabelValue("motherboard-serial", system.value.serial) : null;
    if (sys?.value) return { label: "motherboard-serial", ...sys };
    if (process.platform === "linux" && !readable("/sys/class/dmi/id/board_serial") && !readable("/sys/class/dmi/id/product_serial")) {
      return { label: "motherboard-serial", value: null, reason: "not readable by this user: /sys/class/dmi/id/board_serial is root-only" };
    }
    if (!baseboard.ok && !system.ok) return failed("motherboard-serial", baseboard);
    return { label: "motherboard-serial", value: null, reason: board?.reason ?? sys?.reason ?? "empty" };
  });
  return result;
}

function reading(label: MachineLabel, raw: string | null | undefined): LabelReading {
  return { label, ...normalizeLabelValue(label, raw) };
}

function failed(label: MachineLabel, outcome: { ok: false; error: unknown } | { ok: true }): LabelReading {
  const message = outcome.ok ? "no answer" : ((outcome.error as Error)?.message ?? String(outcome.error));
  return { label, value: null, reason: `not readable: ${message}` };
}

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Interface names of bridges, tunnels, containers and VPNs: not the machine's own hardware. */
const VIRTUAL_NAMES =
  /^(lo|loopback|docker|br-|br\d|bridge|virbr|veth|vethernet|tun|tap|utun|vmnet|vboxnet|wg|zt|tailscale|cali|flannel|cni|kube|ifb|dummy|vnet|bond|team|macvlan|ipvlan|vxlan|gre|sit|ip6tnl|awdl|llw|anpi|ap\d)|virtualbox|vmware network adapter|hyper-v|tap-windows|wireguard|zerotier|npcap|loopback/i;

/**
 * The lowest MAC address of the physical interfaces: not internal, not all-zero, and not a bridge,
 * veth, docker, tun/tap or VPN interface (by name, and on Linux by /sys/devices/virtual).
 * systeminformation's own `virtual` flag is not used: it marks every NIC of a VM by its vendor's
 * prefix, and a VM's configured MAC is as stable as a physical one.
 */
export function pickPhysicalMac(nics: readonly Pick<NetworkInterface, "iface" | "ifaceName" | "mac" | "internal">[], isVirtual: (iface: string) => boolean = () => false): string | null {
  const macs = nics
    .filter((n) => !n.internal && !VIRTUAL_NAMES.test(n.iface) && !VIRTUAL_NAMES.test(n.ifaceName ?? "") && !isVirtual(n.iface))
    .map((n) => normalizeLabelValue("mac", n.mac).value)
    .filter((mac): mac is string => mac !== null)
    .sort();
  return macs[0] ?? null;
}

function isVirtualOnLinux(iface: string): boolean {
  if (process.platform !== "linux" || !/^[\w.:-]+$/.test(iface)) return false;
  try {
    return realpathSync(`/sys/class/net/${iface}`).includes("/devices/virtual/");
  } catch {
    return false;
  }
}

/** The trimmed content of the custom ID file, or why it cannot serve as one. */
export function readCustomIdFile(path: string | null): LabelReading {
  const no = (reason: string): LabelReading => ({ label: "custom", value: null, reason });
  if (!path) return no("no custom ID file given");
  if (!isAbsolute(path)) return no(`not a full path: ${path}`);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EISDIR") return no(`not readable: ${path} is a directory`);
    return no(fileProblem(path, error));
  }
  try {
    // Checked on the open descriptor, so a file swapped after the check cannot slip through.
    const st = fstatSync(fd);
    if (st.isDirectory()) return no(`not readable: ${path} is a directory`);
    if (!st.isFile()) return no(`not readable: ${path} is not a regular file (a device, FIFO or socket): give a file that holds the ID`);
    if (st.size > CUSTOM_ID_FILE_MAX_BYTES) return no(tooLarge(path));
    // Read one byte past the limit at most: a file that grew since fstat is still cut short.
    const buffer = Buffer.alloc(CUSTOM_ID_FILE_MAX_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > CUSTOM_ID_FILE_MAX_BYTES) return no(tooLarge(path));
    const value = buffer.subarray(0, length).toString("utf8").trim();
    if (value === "") return no(`${path} is empty`);
    return { label: "custom", value, reason: null };
  } catch (error) {
    return no(fileProblem(path, error));
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string): string {
  return `${path} is larger than ${CUSTOM_ID_FILE_MAX_BYTES} bytes: an ID file holds one short line`;
}

function fileProblem(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `not readable: ${path} does not exist`;
  if (code === "EACCES" || code === "EPERM") return `not readable: permission denied for ${path} (the server must be able to read it)`;
  return `not readable: ${path}: ${(error as Error).message}`;
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
