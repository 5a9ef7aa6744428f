import { appendFileSync } from "node:fs";

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
/**
 * Appends to a file in batches: lines are collected and written every 200 ms (or at 64 KiB, and
 * at exit), so a busy API does not pay one write per request.
 */
export function fileSink(path: string): LogSink & { flush(): void } {
  let pending: string[] = [];
  let size = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    size = 0;
    try {
      appendFileSync(path, text);
    } catch {
      // A full disk must not take the server down with it; stdout still has the lines.
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

export function createLogger(sinks: LogSink[], minLevel: LogLevel = "info"): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < RANK[minLevel]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, errorReplacer);
    for (const sink of sinks) sink(line);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
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
