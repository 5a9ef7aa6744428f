import type { Timers } from "../lib/clock";
import type { Logger } from "../lib/logger";

/** Recurring work, one per file in src/jobs/, registered by server.ts. */
export interface Job {
  /** Names the job in logs. */
  name: string;
  intervalMs: number;
  /** Synchronous, or a promise the scheduler waits for before it starts the job again. */
  run(): void | Promise<void>;
}

/** What a job has done since start, for GET /metrics. */
export interface JobStats {
  name: string;
  runs: number;
  failures: number;
  /** How long the last finished run took, in ms; null before the first one ends. */
  lastDurationMs: number | null;
}

/**
 * Runs jobs every so often on a Timers source (real timers in the server, a ManualClock in tests).
 *
 * - A job never runs twice at once: when its time comes while it is still running (an async job
 *   that has not settled), that turn is skipped and the schedule kept.
 * - A failure (a throw or a rejected promise) is logged with the job's name; the job keeps its
 *   schedule.
 * - `stop()` cancels every timer and resolves once the running jobs have ended; nothing starts
 *   after it, so the caller may then close what the jobs use (the database).
 * - Each job's runs, failures and last duration are counted (`stats()`); `elapsedMs` is a
 *   monotonic millisecond source (performance.now; tests inject their own).
 */
export class Scheduler {
  #cancels = new Map<string, () => void>();
  #running = new Set<Promise<void>>();
  #stopped = false;
  #stats = new Map<string, JobStats>();

  constructor(
    private readonly timers: Timers,
    private readonly logger: Logger,
    private readonly elapsedMs: () => number = () => performance.now(),
  ) {}

  /** Runs `run` every `intervalMs`, the first time one interval from now. */
  every(name: string, intervalMs: number, run: () => void | Promise<void>): void {
    if (this.#stopped) throw new Error(`Cannot schedule job '${name}': the scheduler has been stopped.`);
    if (this.#cancels.has(name)) throw new Error(`A job named '${name}' is already scheduled; give each job its own name.`);
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new Error(`Job '${name}' needs a positive interval in milliseconds, not ${intervalMs}.`);
    this.#stats.set(name, { name, runs: 0, failures: 0, lastDurationMs: null });
    let running: Promise<void> | null = null;
    const tick = () => {
      if (this.#stopped) return;
      this.#cancels.set(name, this.timers.after(intervalMs, tick));
      if (running) return;
      running = this.#start(name, run);
      running?.then(() => (running = null));
    };
    this.#cancels.set(name, this.timers.after(intervalMs, tick));
  }

  /** Registers a job described by its file in src/jobs/. */
  add(job: Job): void {
    this.every(job.name, job.intervalMs, () => job.run());
  }

  /** Each scheduled job's counts since start, in the order they were scheduled. */
  stats(): JobStats[] {
    return [...this.#stats.values()].map((s) => ({ ...s }));
  }

  /** Resolves once the jobs running now have ended (what a test steps a ManualClock with). */
  async idle(): Promise<void> {
    await Promise.all(this.#running);
  }

  /** Stops every schedule and waits for the jobs still running. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const cancel of this.#cancels.values()) cancel();
    this.#cancels.clear();
    await Promise.all(this.#running);
  }

  /** Runs the job; returns its completion when it is asynchronous, null when it already ended. */
  #start(name: string, run: () => void | Promise<void>): Promise<void> | null {
    const stats = this.#stats.get(name)!;
    const started = this.elapsedMs();
    const ended = () => (stats.lastDurationMs = this.elapsedMs() - started);
    stats.runs++;
    let result: void | Promise<void>;
    try {
      result = run();
    } catch (error) {
      ended();
      this.#failed(name, error);
      return null;
    }
    if (!(result instanceof Promise)) {
      ended();
      return null;
    }
    const done = result.then(
      () => void ended(),
      (error: unknown) => {
        ended();
        this.#failed(name, error);
      },
    );
    this.#running.add(done);
    void done.then(() => this.#running.delete(done));
    return done;
  }

  #failed(name: string, error: unknown): void {
    this.#stats.get(name)!.failures++;
    this.logger.error("job failed", { job: name, error });
  }
}
