import { describe, expect, test } from "bun:test";
import { openMemoryDatabase } from "../../src/db/client";
import { sessions } from "../../src/db/schema";
import { housekeepingJob, HOUSEKEEPING_MS, machineWatchJob, MACHINE_WATCH_MS, Scheduler } from "../../src/jobs";
import { ManualClock } from "../../src/lib/clock";
import { memoryLogger } from "../../src/lib/logger";
import { createSession } from "../../src/services/sessions";
import { UsageStore } from "../../src/services/usage/usage-store";

function setup() {
  const clock = new ManualClock();
  const logger = memoryLogger();
  return { clock, logger, scheduler: new Scheduler(clock, logger) };
}

/** Lets every settled promise run its callbacks (no time passes on any clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("Scheduler", () => {
  test("runs a job every interval, the first time one interval from now", () => {
    const { clock, scheduler } = setup();
    const runs: string[] = [];
    scheduler.every("tick", 1_000, () => void runs.push(clock.now().toISOString()));
    clock.advance(999);
    expect(runs).toEqual([]);
    clock.advance(1);
    clock.advance(2_500);
    expect(runs).toEqual(["2026-11-28T12:00:01.000Z", "2026-11-28T12:00:02.000Z", "2026-11-28T12:00:03.000Z"]);
  });

  test("runs jobs with different intervals each on their own schedule", () => {
    const { clock, scheduler } = setup();
    const runs: string[] = [];
    scheduler.every("fast", 1_000, () => void runs.push("fast"));
    scheduler.every("slow", 3_000, () => void runs.push("slow"));
    clock.advance(3_000);
    expect(runs.toSorted()).toEqual(["fast", "fast", "fast", "slow"]);
  });

  test("never starts an async job again while it is still running; it keeps its schedule", async () => {
    const { clock, scheduler } = setup();
    const pending: ReturnType<typeof deferred>[] = [];
    scheduler.every("slow", 1_000, () => {
      pending.push(deferred());
      return pending.at(-1)!.promise;
    });
    clock.advance(1_000);
    expect(pending).toHaveLength(1);
    clock.advance(1_000);
    await settle();
    clock.advance(1_000);
    expect(pending).toHaveLength(1);

    pending[0]!.resolve();
    await settle();
    clock.advance(999);
    expect(pending).toHaveLength(1);
    clock.advance(1);
    expect(pending).toHaveLength(2);
  });

  test("logs a failing job with its name and keeps running it on schedule", async () => {
    const { clock, logger, scheduler } = setup();
    let syncRuns = 0;
    let asyncRuns = 0;
    scheduler.every("throws", 1_000, () => {
      syncRuns++;
      throw new Error("disk on fire");
    });
    scheduler.every("rejects", 1_000, async () => {
      asyncRuns++;
      throw new Error("mail server away");
    });
    clock.advance(1_000);
    await settle();
    clock.advance(1_000);
    await settle();
    expect([syncRuns, asyncRuns]).toEqual([2, 2]);
    const failures = logger.lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === "error");
    expect(failures.map((f) => [f.msg, f.job, f.error.message])).toEqual([
      ["job failed", "throws", "disk on fire"],
      ["job failed", "rejects", "mail server away"],
      ["job failed", "throws", "disk on fire"],
      ["job failed", "rejects", "mail server away"],
    ]);
  });

  test("counts each job's runs, failures and last duration (on the injected elapsed-time source)", async () => {
    const clock = new ManualClock();
    let elapsed = 0;
    const scheduler = new Scheduler(clock, memoryLogger(), () => elapsed);
    let turn = 0;
    scheduler.every("flaky", 1_000, () => {
      elapsed += ++turn * 10;
      if (turn === 2) throw new Error("second run fails");
    });
    const slow = deferred();
    scheduler.every("slow", 1_000, () => slow.promise);
    expect(scheduler.stats()).toEqual([
      { name: "flaky", runs: 0, failures: 0, lastDurationMs: null },
      { name: "slow", runs: 0, failures: 0, lastDurationMs: null },
    ]);
    clock.advance(3_000);
    expect(scheduler.stats()[0]).toEqual({ name: "flaky", runs: 3, failures: 1, lastDurationMs: 30 });
    expect(scheduler.stats()[1]).toEqual({ name: "slow", runs: 1, failures: 0, lastDurationMs: null });
    elapsed += 500;
    slow.reject(new Error("rejected"));
    await settle();
    expect(scheduler.stats()[1]!.failures).toBe(1);
    expect(scheduler.stats()[1]!.lastDurationMs).toBeGreaterThanOrEqual(500);
  });

  test("stop() waits for the running job to finish, and nothing runs after it", async () => {
    const { clock, scheduler } = setup();
    const running = deferred();
    let starts = 0;
    let finished = false;
    scheduler.every("slow", 1_000, async () => {
      starts++;
      await running.promise;
      finished = true;
    });
    clock.advance(1_000);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);

    running.resolve();
    await stopping;
    expect(finished).toBe(true);
    clock.advance(10_000);
    expect(starts).toBe(1);
  });

  test("refuses a job it cannot run, saying why", () => {
    const { scheduler } = setup();
    scheduler.every("tick", 1_000, () => {});
    expect(() => scheduler.every("tick", 1_000, () => {})).toThrow("already scheduled");
    expect(() => scheduler.every("never", 0, () => {})).toThrow("positive interval");
  });

  test("refuses new jobs once stopped", async () => {
    const { scheduler } = setup();
    await scheduler.stop();
    expect(() => scheduler.every("late", 1_000, () => {})).toThrow("has been stopped");
  });
});

describe("jobs", () => {
  test("housekeeping purges expired portal sessions once its time comes", () => {
    const { clock, logger, scheduler } = setup();
    const db = openMemoryDatabase();
    const sessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
    createSession(db, { at: clock.now(), ip: null, userAgent: null });
    scheduler.add(housekeepingJob({ db, clock, logger, usageStore: new UsageStore(db), settings: { sessionPolicy } }));

    clock.advance(HOUSEKEEPING_MS);
    expect(db.select().from(sessions).all()).toHaveLength(1);
    clock.advance(3 * HOUSEKEEPING_MS);
    expect(db.select().from(sessions).all()).toHaveLength(0);
  });

  test("machine-watch asks the machine identity to notice stored changes every 3 seconds", () => {
    const { clock, scheduler } = setup();
    let notices = 0;
    scheduler.add(machineWatchJob({ machine: { noticeStoredChange: () => void notices++ } }));
    clock.advance(3 * MACHINE_WATCH_MS);
    expect(notices).toBe(3);
  });
});
