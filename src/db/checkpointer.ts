import { existsSync, statSync } from "node:fs";
import type { Logger } from "../lib/logger";
import { workerEntry } from "../lib/runtime";
import { startThread, type Thread } from "../lib/threads";
import type { Db } from "./client";

export type CheckpointerRequest = { type: "open"; path: string; intervalMs: number } | { type: "close" };
export type CheckpointerReport =
  | { type: "checkpointed"; walFrames: number }
  | { type: "failed"; message: string }
  | { type: "closed" };

/** SQLite's default: the committing connection checkpoints once the WAL holds this many pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
const STOP_WAIT_MS = 2_000;
export interface CheckpointerOptions {
  /** How often the worker looks for new commits (and copies them). */
  intervalMs?: number;
  /** The WAL size (pages) at which the server's thread makes the WAL start over (see Checkpointer). */
  restartFrames?: number;
  /** The thread's program (default: src/db/checkpoint-worker.ts; tests give one that ends). */
  program?: string;
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
 * WAL over. The server's memory map of the file is renewed as the worker's checkpoints grow it
 * (#remapIfGrown). If the worker cannot start, fails or ends, SQLite's own checkpoints take over
 * (logged): with none, the WAL would grow for ever.
 */
export class Checkpointer {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #thread: Thread<CheckpointerRequest>;
  readonly #restartFrames: number;
  #stopped: Promise<void> | null = null;
  /** stop()'s, once the worker has closed its connection. */
  #closed: () => void = () => {};
  /** The database file's size when the server's connection last mapped it (see #remapIfGrown). */
  #mappedBytes: number;

  private constructor(db: Db, logger: Logger, options: Required<CheckpointerOptions>) {
    this.#db = db;
    this.#logger = logger;
    this.#restartFrames = options.restartFrames;
    this.#mappedBytes = existsSync(db.$client.filename) ? statSync(db.$client.filename).size : 0;
    this.#thread = startThread<CheckpointerReport, CheckpointerRequest>(options.program, { message: (report) => this.#onReport(report), ended: (reason) => this.#fallBack(reason) });
    db.$client.exec("PRAGMA wal_autocheckpoint = 0");
    this.#thread.post({ type: "open", path: db.$client.filename, intervalMs: options.intervalMs });
  }

  /** Starts checkpointing `db` (a file database in WAL mode) on a worker thread. */
  static start(db: Db, logger: Logger, options: CheckpointerOptions = {}): Checkpointer {
    return new Checkpointer(db, logger, { intervalMs: options.intervalMs ?? 100, restartFrames: options.restartFrames ?? 16_384, program: options.program ?? workerEntry("db/checkpoint-worker.ts") });
  }

  /** Closes the worker's connection and ends the thread; SQLite's own checkpoints are back on. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        this.#thread.stop();
        this.#restoreAutocheckpoint();
        resolve();
      };
      const timeout = setTimeout(done, STOP_WAIT_MS);
      this.#closed = done;
      this.#thread.post({ type: "close" });
    });
    return this.#stopped;
  }

  #onReport(report: CheckpointerReport): void {
    if (report.type === "closed") return this.#closed();
    if (report.type === "failed") return this.#fallBack(report.message);
    if (report.type !== "checkpointed" || this.#db.$client.inTransaction) return;
    try {
      if (report.walFrames >= this.#restartFrames) this.#db.$client.query("PRAGMA wal_checkpoint(PASSIVE)").get();
      this.#remapIfGrown();
    } catch (error) {
      // A full disk, an I/O error: the WAL goes on growing until a checkpoint here succeeds.
      this.#logger.warn("a WAL checkpoint or the database's memory map failed on the server's thread; the checkpointer's next report tries again", { error });
    }
  }

  /**
   * SQLite maps the database file as large as it was when the connection first read it, and maps
   * more only when that connection grows the file itself — by its own checkpoints, which the
   * worker's now replace. So once the file has outgrown the map by an eighth, the map is renewed
   * (turned off and on: the next read maps the whole file); pages past the map are read into the
   * page cache meanwhile. An eighth keeps the renewals few as the file grows.
   */
  #remapIfGrown(): void {
    const size = statSync(this.#db.$client.filename).size;
    if (size <= this.#mappedBytes * 1.125) return;
    const sqlite = this.#db.$client;
    const limit = sqlite.query<{ mmap_size: number }, []>("PRAGMA mmap_size").get()!.mmap_size;
    if (limit === 0) return;
    sqlite.exec("PRAGMA mmap_size = 0");
    sqlite.exec(`PRAGMA mmap_size = ${limit}`);
    this.#mappedBytes = size;
  }

  #fallBack(reason: string): void {
    if (this.#stopped) return;
    this.#logger.error("the WAL checkpointer thread failed: the server checkpoints on its own thread", { reason });
    this.#stopped = Promise.resolve();
    this.#thread.stop();
    this.#restoreAutocheckpoint();
  }

  #restoreAutocheckpoint(): void {
    try {
      this.#db.$client.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The database is closed already: nothing to checkpoint.
    }
  }
}
