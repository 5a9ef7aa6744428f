import { appendFileSync, closeSync, existsSync, fchmodSync, fstatSync, openSync, renameSync, rmSync } from "node:fs";
import { systemClock, type Clock } from "./clock";

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

/** Structured JSON-lines logging. Never pass a password, a session token or a request body. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

export const stdoutSink: LogSink = (line) => process.stdout.write(line + "\n");
/** Where the log file goes and how big it may grow. */
export interface FileSinkOptions {
  /** Rotate once the file passes this many bytes (lts.log → lts.log.1 → … ); 0: never. */
  maxBytes?: number;
  /** Rotated files kept: lts.log.1 (newest) … lts.log.<keep> (oldest); older ones are deleted. */
  keep?: number;
}

/**
 * Appends to a file in batches: lines are collected and written every 200 ms (or at 64 KiB, and
 * at exit), so a busy API does not pay one write per request. The file and its rotated copies are
 * 0600 (the log holds the setup token); a file left looser by an older version is tightened.
 */
export function fileSink(path: string, options: FileSinkOptions = {}): LogSink & { flush(): void } {
  const maxBytes = options.maxBytes ?? 0;
  const keep = options.keep ?? 5;
  let pending: string[] = [];
  let size = 0;
  let fileBytes = -1; // unknown until the first write
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    size = 0;
    try {
      if (fileBytes < 0) fileBytes = openPrivately(path);
      const bytes = Buffer.byteLength(text);
      if (maxBytes > 0 && fileBytes > 0 && fileBytes + bytes > maxBytes) {
        rotate(path, keep);
        fileBytes = openPrivately(path);
      }
      appendFileSync(path, text, { mode: 0o600 });
      fileBytes += bytes;
    } catch {
      // A full disk must not take the server down with it; stdout still has the lines.
      fileBytes = -1;
    }
  };
  const timer = setInterval(flush, 200);
  timer.unref();
  process.once("exit", flush);
  return Object.assign(
    (line: string) => {
      pending.push(line + "\n");
      size += line.length + 1;
      if (size >= 64 * 1024) flush();
    },
    { flush },
  );
}

/** Creates `path` 0600 if missing, tightens it to 0600 if looser; returns its size. */
function openPrivately(path: string): number {
  const fd = openSync(path, "a", 0o600);
  try {
    const st = fstatSync(fd);
    if ((st.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
    return st.size;
  } finally {
    closeSync(fd);
  }
}

/** lts.log.<keep> is deleted, each lts.log.<n> becomes lts.log.<n+1>, lts.log becomes lts.log.1. */
function rotate(path: string, keep: number): void {
  if (keep < 1) {
    rmSync(path, { force: true });
    return;
  }
  rmSync(`${path}.${keep}`, { force: true });
  for (let n = keep - 1; n >= 1; n--) {
    if (existsSync(`${path}.${n}`)) renameSync(`${path}.${n}`, `${path}.${n + 1}`);
  }
  renameSync(path, `${path}.1`);
}

export interface LoggerOptions {
  /** Where "now" comes from, for the time field and the sampling windows. */
  clock?: Clock;
  /** Writes a repeated line at most so many times per window; absent: every line is written. */
  sampling?: LogSampler;
}

/** A logger that can be closed: the summaries of its sampled lines are then written. */
export interface ClosableLogger extends Logger {
  /** Writes the summary of every suppressed line, window ended or not, and stops the sweep timer. */
  close(): void;
}

/** How often a sampling logger writes the summaries of ended windows when nothing else is logged. */
const SWEEP_MS = 10_000;

export function createLogger(sinks: LogSink[], minLevel: LogLevel = "info", options: LoggerOptions = {}): ClosableLogger {
  const clock = options.clock ?? systemClock;
  const sampler = options.sampling;
  const emit = (at: Date, level: LogLevel, msg: string, fields?: LogFields) => {
    const line = JSON.stringify({ time: at.toISOString(), level, msg, ...fields }, errorReplacer);
    for (const sink of sinks) sink(line);
  };
  const emitSummaries = (at: Date, summaries: RepeatSummary[]) => {
    for (const s of summaries) emit(at, s.level, s.msg, s.fields);
  };
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < RANK[minLevel]) return;
    const at = clock.now();
    if (sampler) {
      const verdict = sampler.admit(level, msg, fields, at.getTime());
      emitSummaries(at, verdict.summaries);
      if (!verdict.write) return;
    }
    emit(at, level, msg, fields);
  };
  const sweep = (all: boolean) => {
    if (!sampler) return;
    const at = clock.now();
    emitSummaries(at, sampler.sweep(at.getTime(), all));
  };
  // A burst followed by silence still gets its summary line, within SWEEP_MS of its window's end.
  const timer = sampler ? setInterval(() => sweep(false), SWEEP_MS) : undefined;
  timer?.unref();
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    close: () => {
      clearInterval(timer);
      sweep(true);
    },
  };
}

/** The line that stands for the lines a sampler suppressed. */
export interface RepeatSummary {
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

export interface SamplingOptions {
  /** How long a window lasts, from the first line of its kind. */
  windowMs: number;
  /** Lines of one kind written per window; the rest are counted and summed up in one line. */
  maxPerWindow: number;
  /** The fields that, with the level and the message, make two lines "the same". */
  keyFields: string[];
  /** Kinds tracked at once; beyond that, new kinds are written unsampled (memory stays bounded). */
  maxKinds: number;
}

interface Window {
  level: LogLevel;
  msg: string;
  key: LogFields;
  startMs: number;
  written: number;
  suppressed: number;
}

/**
 * Keeps a flood of identical log lines (an API error answered thousands of times a second) from
 * filling the disk: each kind of line — same level, message and `keyFields`, whatever its request
 * id or duration — is written at most `maxPerWindow` times per window, and the rest are counted.
 * When the window has ended, one summary line at the same level says how many were left out, so
 * nothing (errors included) disappears without a trace. Pure: time is passed in.
 */
export class LogSampler {
  readonly #options: SamplingOptions;
  readonly #windows = new Map<string, Window>();
  #lastSweepMs = -Infinity;

  constructor(options: Partial<SamplingOptions> = {}) {
    this.#options = { windowMs: 60_000, maxPerWindow: 10, keyFields: ["method", "path", "status", "code"], maxKinds: 10_000, ...options };
  }

  /**
   * Whether this line is written, and the summaries due now: that of this kind's previous window
   * if it has ended, and — at most once a second — those of every other ended window.
   */
  admit(level: LogLevel, msg: string, fields: LogFields | undefined, nowMs: number): { write: boolean; summaries: RepeatSummary[] } {
    const summaries = nowMs - this.#lastSweepMs >= 1000 ? this.sweep(nowMs) : [];
    const key: LogFields = {};
    for (const name of this.#options.keyFields) if (fields?.[name] !== undefined) key[name] = fields[name];
    const id = JSON.stringify([level, msg, key]);
    let window = this.#windows.get(id);
    if (window && nowMs - window.startMs >= this.#options.windowMs) {
      const summary = this.#summary(window, nowMs);
      if (summary) summaries.push(summary);
      this.#windows.delete(id);
      window = undefined;
    }
    if (!window) {
      if (this.#windows.size >= this.#options.maxKinds) return { write: true, summaries };
      window = { level, msg, key, startMs: nowMs, written: 0, suppressed: 0 };
      this.#windows.set(id, window);
    }
    if (window.written < this.#options.maxPerWindow) {
      window.written++;
      return { write: true, summaries };
    }
    window.suppressed++;
    return { write: false, summaries };
  }

  /** Ends the windows that are over (all of them with `all`) and returns their summaries. */
  sweep(nowMs: number, all = false): RepeatSummary[] {
    this.#lastSweepMs = nowMs;
    const summaries: RepeatSummary[] = [];
    for (const [id, window] of this.#windows) {
      if (!all && nowMs - window.startMs < this.#options.windowMs) continue;
      const summary = this.#summary(window, nowMs);
      if (summary) summaries.push(summary);
      this.#windows.delete(id);
    }
    return summaries;
  }

  #summary(window: Window, nowMs: number): RepeatSummary | null {
    if (window.suppressed === 0) return null;
    const seconds = Math.round(Math.min(nowMs - window.startMs, this.#options.windowMs) / 1000);
    return {
      level: window.level,
      msg: `${window.msg} — repeated ${window.suppressed.toLocaleString("en-US")} more ${window.suppressed === 1 ? "time" : "times"} in the last ${seconds} s (not written)`,
      fields: { ...window.key, repeated: window.suppressed, since: new Date(window.startMs).toISOString() },
    };
  }
}

/** A logger that keeps its lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger([(l) => lines.push(l)], "debug"), { lines });
}

function errorReplacer(_key: string, value: unknown) {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
