// Starts the compiled binary dist/lts for end-to-end tests (build it first: npm run build).
//
//   const lts = await startBinary();             // fresh temp dir, 127.0.0.1, a free port
//   await fetch(`${lts.url}/healthz`);
//   lts.setupToken                               // from the "Setup token: ..." console line
//   await lts.stop();                            // SIGTERM, waits for the exit, removes the temp dir
//
// Each binary runs in its own mkdtemp directory (also its data dir, unless dataDir is given), with
// the caller's LTS_* variables removed so that only the flags and `env` given here apply. A child
// left running when the test process exits (a failed test that never reached stop()) is killed
// and its temp dir removed.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const BINARY = resolve(import.meta.dir, "../../dist/lts");
export const VENDOR_BINARY = resolve(import.meta.dir, "../../dist/lts-vendor");

export interface VendorRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `dist/lts-vendor ARGS` in `cwd` (its own process, only PATH in its environment). */
export async function runVendor(args: string[], cwd: string): Promise<VendorRun> {
  if (!existsSync(VENDOR_BINARY)) throw new Error(`${VENDOR_BINARY} does not exist: run \`npm run build\` first`);
  const child = Bun.spawn([VENDOR_BINARY, ...args], { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

const LISTENING = /"msg":"LTS \S+ listening on (https?:\/\/[^\s"]+?)\/?"/;
const SETUP_TOKEN = /^Setup token: (\S+)$/;

export interface StartOptions {
  /** Where the database lives; default `<temp dir>/lts-data`, removed by stop(). */
  dataDir?: string;
  /** Extra arguments after `serve --host 127.0.0.1 --port 0 --data-dir DIR`. */
  args?: string[];
  env?: Record<string, string>;
  /** How long to wait for the "listening" line (default 10 s). */
  startTimeoutMs?: number;
}

export interface RunningBinary {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  pid: number;
  cwd: string;
  dataDir: string;
  /** Every stdout line so far (the JSON log and the setup-token line). */
  lines: string[];
  /** The token of the "Setup token: ..." line, once printed (first start only). */
  readonly setupToken: string | undefined;
  /** Resolves with the first stdout line (already seen or to come) that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number>;
}

const running = new Map<Subprocess, string>(); // child → its temp dir
process.once("exit", () => {
  for (const [child, cwd] of running) {
    child.kill("SIGKILL");
    rmSync(cwd, { recursive: true, force: true });
  }
});

export async function startBinary(options: StartOptions = {}): Promise<RunningBinary> {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} does not exist: run \`npm run build\` first`);
  const cwd = mkdtempSync(join(tmpdir(), "lts-e2e-"));
  const dataDir = options.dataDir ?? join(cwd, "lts-data");
  const fresh = !existsSync(dataDir) || readdirSync(dataDir).length === 0;

  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("LTS_"))) as Record<string, string>;
  const child = Bun.spawn([BINARY, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, ...(options.args ?? [])], {
    cwd,
    env: { ...env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.set(child, cwd);

  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((check) => check());
  const collectOut = collect(child.stdout, (line) => (lines.push(line), notify()));
  const collectErr = collect(child.stderr, (line) => stderr.push(line));
  let ended = false; // exited, and its output read to the end
  void Promise.all([child.exited, collectOut, collectErr]).then(() => ((ended = true), notify()));

  const output = () => [...lines, ...stderr].slice(-30).join("\n");

  const waitForLine = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpMatchArray>((resolvePromise, reject) => {
      const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output so far:\n${output()}`)), timeoutMs);
      const finish = (result: RegExpMatchArray | Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (result instanceof Error) reject(result);
        else resolvePromise(result);
      };
      const check = () => {
        for (const line of lines) {
          const match = line.match(pattern);
          if (match) return finish(match);
        }
        if (ended) {
          finish(new Error(`dist/lts exited (${child.exitCode ?? child.signalCode}) before printing a line matching ${pattern}; output:\n${output()}`));
        }
      };
      waiters.add(check);
      check();
    });

  const stop = async () => {
    if (running.has(child)) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await child.exited;
      clearTimeout(killer);
      await Promise.all([collectOut, collectErr]);
      running.delete(child);
      rmSync(cwd, { recursive: true, force: true });
    }
    return child.exitCode ?? 128;
  };

  try {
    const url = (await waitForLine(LISTENING, options.startTimeoutMs))[1]!;
    // On a fresh data dir the token line follows the "listening" line at once.
    if (fresh) await waitForLine(SETUP_TOKEN, 2_000);
    return {
      url,
      port: Number(new URL(url).port),
      pid: child.pid,
      cwd,
      dataDir,
      lines,
      get setupToken() {
        return lines.map((line) => line.match(SETUP_TOKEN)?.[1]).find(Boolean);
      },
      waitForLine,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Feeds each complete line of a child's output stream to `onLine`. */
export async function collect(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop()!;
    parts.forEach(onLine);
  }
  if (pending) onLine(pending);
}

/** Runs a command to its end with only PATH in its environment; stdin as given, else none. */
export async function runCommand(cmd: string[], stdin?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const proc = Bun.spawn(cmd, { stdin: stdin ? new TextEncoder().encode(stdin) : "ignore", stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "" } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

/** Polls `probe` every 100 ms until it gives a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
