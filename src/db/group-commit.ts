import type { Db } from "./client";

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the client API's writes. Every write must be durable before it is
 * acknowledged (synchronous=FULL fsyncs at each COMMIT), and one fsync per request caps
 * throughput. So the work that arrives within one turn of the event loop runs in one
 * `BEGIN IMMEDIATE … COMMIT`, each piece in a savepoint of its own — a piece that throws rolls
 * back only itself — and every caller is answered after the COMMIT. If the COMMIT fails (disk
 * full, I/O error), every caller of the batch gets the error and nothing of it is kept. A piece
 * that fails so badly that SQLite ends the whole transaction (it may, after SQLITE_FULL) takes the
 * batch's earlier pieces with it: their callers get the error too, and the pieces not yet run go
 * to the next batch. No caller is ever answered for work that was not committed.
 *
 * `work` must be synchronous, as for transaction() (src/db/transaction.ts).
 */
export class GroupCommit {
  #queue: Job[] = [];
  #scheduled = false;
  /** Each piece's savepoint statements, prepared once (a string run() prepares it every time). */
  readonly #savepoint;

  constructor(private readonly db: Db) {
    const sqlite = db.$client;
    this.#savepoint = { begin: sqlite.prepare("SAVEPOINT request"), release: sqlite.prepare("RELEASE request"), rollback: sqlite.prepare("ROLLBACK TO request") };
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const jobs = this.#queue;
    this.#queue = [];
    const sqlite = this.db.$client;
    const done: { job: Job; value: unknown }[] = [];
    try {
      sqlite.run("BEGIN IMMEDIATE");
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    const savepoint = this.#savepoint;
    for (const [i, job] of jobs.entries()) {
      savepoint.begin.run();
      try {
        const value = job.work();
        if (value && typeof (value as PromiseLike<unknown>).then === "function") throw new TypeError("GroupCommit work must be synchronous");
        savepoint.release.run();
        done.push({ job, value });
      } catch (error) {
        job.reject(error);
        if (!rollBackTo(sqlite, savepoint)) {
          // After SQLITE_FULL or an I/O error SQLite may end the whole transaction: the work done
          // so far went with it, so its callers are told so; the work not yet run goes to the next batch.
          for (const { job: gone } of done) gone.reject(error);
          this.#requeue(jobs.slice(i + 1));
          return;
        }
      }
    }
    try {
      sqlite.run("COMMIT");
    } catch (error) {
      rollBack(sqlite);
      for (const { job } of done) job.reject(error);
      return;
    }
    for (const { job, value } of done) job.resolve(value);
  }

  #requeue(jobs: Job[]): void {
    if (jobs.length === 0) return;
    this.#queue.unshift(...jobs);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }
}

/** Undoes the current piece; false when the transaction is gone (SQLite rolled it back whole). */
function rollBackTo(sqlite: Db["$client"], savepoint: { rollback: { run(): unknown }; release: { run(): unknown } }): boolean {
  try {
    savepoint.rollback.run();
    savepoint.release.run();
    return true;
  } catch {
    rollBack(sqlite);
    return false;
  }
}

/** An explicit ROLLBACK, which does no harm when SQLite has already rolled back (lang_transaction). */
function rollBack(sqlite: Db["$client"]): void {
  try {
    if (sqlite.inTransaction) sqlite.run("ROLLBACK");
  } catch {
    // Nothing left to undo.
  }
}
