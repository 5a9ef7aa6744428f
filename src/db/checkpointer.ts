import type { Logger } from "../lib/logger";
import { isCompiledBinary } from "../lib/runtime";
import type { Db } from "./client";

export type CheckpointerRequest = { type: "open"; path: string; intervalMs: number } | { type: "close" };
export type CheckpointerReport =
  | { type: "checkpointed"; walFrames: number }
  | { type: "failed"; message: string }
  | { type: "closed" };

/** SQLite's default: the committing connection checkpoints once the WAL holds this many pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
const STOP_WAIT_MS = 2_000;
/**
 * The worker's entry point. The binary holds it as an entry point of its own (scripts/build.ts), at
 * this path from the root of its embedded files (the folder of both entry points, src/); with
 * --bytecode, import.meta.url there names the build machine's source file, so it cannot be used.
 */
const WORKER_ENTRY = isCompiledBinary() ? "./db/checkpoint-worker.ts" : new URL("./checkpoint-worker.ts", import.meta.url).href;

export interface CheckpointerOptions {
  /** How often the worker looks for new commits (and copies them). */
  intervalMs?: number;
  /** The WAL size (pages) at which the server's thread makes the WAL start over (see Checkpointer). */
  restartFrames?: number;
}

/**
 * Checkpoints the server's WAL on a thread of its own (src/db/checkpoint-worker.ts).
 *
 * By default SQLite checkpoints in the connection that commits, on the server's only thread: with
 * random devices among a million, each checkpoint writes ~1,000 scattered pages and syncs the
 * file, 10–20 ms in which no request is answered (bench-scale: p99 ~20 ms, a known device's
 * authorize at ~0.75 × its figure at 0 devices). The worker copies while requests go on.
 *
 * The WAL starts over from its beginning only when a write begins with every frame copied, which
 * under steady load never happens while another thread copies: so once the worker reports a WAL
 * of `restartFrames` pages, the server's thread runs a passive checkpoint itself between two
 * transactions — only of the frames written since the worker's — and its next write starts the
 * WAL over. If the worker cannot start or fails, SQLite's own checkpoints take over (logged).
 */
export class Checkpointer {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #worker: Worker;
  readonly #restartFrames: number;
  #stopped: Promise<void> | null = null;

  private constructor(db: Db, logger: Logger, options: Required<CheckpointerOptions>) {
    this.#db = db;
    this.#logger = logger;
    this.#restartFrames = options.restartFrames;
    this.#worker = new Worker(WORKER_ENTRY);
    this.#worker.addEventListener("message", (event: MessageEvent<CheckpointerReport>) => this.#onReport(event.data));
    this.#worker.addEventListener("error", (event) => this.#fallBack(event.message));
    db.$client.exec("PRAGMA wal_autocheckpoint = 0");
    this.#post({ type: "open", path: db.$client.filename, intervalMs: options.intervalMs });
  }

  /** Starts checkpointing `db` (a file database in WAL mode) on a worker thread. */
  static start(db: Db, logger: Logger, options: CheckpointerOptions = {}): Checkpointer {
    return new Checkpointer(db, logger, { intervalMs: options.intervalMs ?? 100, restartFrames: options.restartFrames ?? 16_384 });
  }

  /** Closes the worker's connection and ends the thread; SQLite's own checkpoints are back on. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        this.#worker.terminate();
        this.#restoreAutocheckpoint();
        resolve();
      };
      const timeout = setTimeout(done, STOP_WAIT_MS);
      this.#worker.addEventListener("message", (event: MessageEvent<CheckpointerReport>) => event.data.type === "closed" && done());
      this.#post({ type: "close" });
    });
    return this.#stopped;
  }

  #onReport(report: CheckpointerReport): void {
    if (report.type === "failed") return this.#fallBack(report.message);
    if (report.type !== "checkpointed" || report.walFrames < this.#restartFrames) return;
    try {
      if (!this.#db.$client.inTransaction) this.#db.$client.query("PRAGMA wal_checkpoint(PASSIVE)").get();
    } catch (error) {
      // A full disk, an I/O error: the WAL goes on growing until a checkpoint here succeeds.
      this.#logger.warn("a WAL checkpoint on the server's thread failed; the next report of the checkpointer tries again", { error });
    }
  }

  #fallBack(reason: string): void {
    if (this.#stopped) return;
    this.#logger.error("the WAL checkpointer thread failed: the server checkpoints on its own thread", { reason });
    this.#stopped = Promise.resolve();
    this.#worker.terminate();
    this.#restoreAutocheckpoint();
  }

  #restoreAutocheckpoint(): void {
    try {
      this.#db.$client.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The database is closed already: nothing to checkpoint.
    }
  }

  #post(request: CheckpointerRequest): void {
    this.#worker.postMessage(request);
  }
}
