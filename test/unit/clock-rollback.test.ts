import { describe, expect, test } from "bun:test";
import { openMemoryDatabase } from "../../src/db/client";
import { describeClockGap, FORWARD_JUMP_MS, markAtStart, ROLLBACK_THRESHOLD_MS, trustedNow, type ClockMark } from "../../src/domain/clock-rollback";
import { ManualClock } from "../../src/lib/clock";
import { memoryLogger } from "../../src/lib/logger";
import { LATEST_SEEN_SETTING, readLatestSeen, TrustedClock } from "../../src/services/clock";
import { clockWatchJob, CLOCK_WATCH_MS } from "../../src/jobs";

const T0 = Date.parse("2026-11-28T12:00:00.000Z");
const MIN = 60_000;
const DAY = 86_400_000;

/** Reads the wall clock at each of `walls` in turn, from a mark started at `start`. */
function readings(start: ClockMark, walls: number[]) {
  let mark = start;
  return walls.map((wall) => {
    const t = trustedNow(wall, mark);
    mark = t.mark;
    return t;
  });
}

describe("trustedNow (domain)", () => {
  test("a wall clock moving forward is now, and the latest time seen follows it", () => {
    const [a, b] = readings(markAtStart(null, T0), [T0, T0 + MIN]);
    expect(a).toMatchObject({ nowMs: T0, rolledBack: false, behindMs: 0, jumpedForwardMs: 0 });
    expect(b).toMatchObject({ nowMs: T0 + MIN, rolledBack: false, mark: { latestSeenMs: T0 + MIN } });
  });

  test("a skew backwards up to the threshold is tolerated as it is: the wall clock is now, the latest time seen stays", () => {
    const [, back, edge] = readings(markAtStart(null, T0), [T0, T0 - 2_000, T0 - ROLLBACK_THRESHOLD_MS]);
    expect(back).toMatchObject({ nowMs: T0 - 2_000, rolledBack: false, behindMs: 2_000, mark: { latestSeenMs: T0 } });
    expect(edge).toMatchObject({ nowMs: T0 - ROLLBACK_THRESHOLD_MS, rolledBack: false });
  });

  test("further back is a rollback: now is the latest time seen, never the wall clock", () => {
    const [, back] = readings(markAtStart(null, T0), [T0, T0 - ROLLBACK_THRESHOLD_MS - 1]);
    expect(back).toMatchObject({ nowMs: T0, rolledBack: true, behindMs: ROLLBACK_THRESHOLD_MS + 1 });
  });

  test("while rolled back, time still passes as the wall clock moves on, and steps backwards do not count", () => {
    const [, , later, backAgain, after] = readings(markAtStart(null, T0), [T0, T0 - DAY, T0 - DAY + 10 * MIN, T0 - 2 * DAY, T0 - 2 * DAY + MIN]);
    expect(later).toMatchObject({ nowMs: T0 + 10 * MIN, rolledBack: true, behindMs: DAY });
    expect(backAgain).toMatchObject({ nowMs: T0 + 10 * MIN, rolledBack: true });
    expect(after).toMatchObject({ nowMs: T0 + 11 * MIN, rolledBack: true, mark: { latestSeenMs: T0 + 11 * MIN } });
  });

  test("waiting does not end a rollback; setting the clock right does", () => {
    const [, , waited, fixed] = readings(markAtStart(null, T0), [T0, T0 - DAY, T0 - DAY + DAY / 2, T0 + DAY / 2]);
    expect(waited!.rolledBack).toBe(true);
    expect(fixed).toMatchObject({ nowMs: T0 + DAY / 2, rolledBack: false, behindMs: 0 });
  });

  test("gradual steps back add up against the latest time seen, not the previous reading", () => {
    const step = ROLLBACK_THRESHOLD_MS - MIN;
    const [, first, second] = readings(markAtStart(null, T0), [T0, T0 - step, T0 - 2 * step]);
    expect(first!.rolledBack).toBe(false);
    expect(second!.rolledBack).toBe(true);
  });

  test("a jump forward beyond FORWARD_JUMP_MS is reported, and raises the latest time seen for good", () => {
    const [, small, jump, back] = readings(markAtStart(null, T0), [T0, T0 + FORWARD_JUMP_MS, T0 + FORWARD_JUMP_MS + 3 * DAY, T0 + FORWARD_JUMP_MS + MIN]);
    expect(small!.jumpedForwardMs).toBe(0);
    expect(jump).toMatchObject({ jumpedForwardMs: 3 * DAY, rolledBack: false, mark: { latestSeenMs: T0 + FORWARD_JUMP_MS + 3 * DAY } });
    expect(back!.rolledBack).toBe(true);
  });

  test("at start, a stored latest time seen ahead of the wall clock is a rollback at once; the downtime is no jump", () => {
    const stored = T0 + DAY;
    expect(trustedNow(T0, markAtStart(stored, T0))).toMatchObject({ nowMs: stored, rolledBack: true, jumpedForwardMs: 0 });
    expect(trustedNow(T0, markAtStart(T0 - 30 * DAY, T0))).toMatchObject({ nowMs: T0, rolledBack: false, jumpedForwardMs: 0 });
  });

  test("describeClockGap", () => {
    expect(describeClockGap(0)).toBe("0 s");
    expect(describeClockGap(2 * DAY + 3 * 3_600_000 + 5 * MIN)).toBe("2 d 3 h");
    expect(describeClockGap(4 * MIN + 10_000)).toBe("4 min 10 s");
  });
});

describe("TrustedClock (service)", () => {
  test("logs a rollback once when it starts and once when it ends, and a jump forward", () => {
    const wall = new ManualClock("2026-11-28T12:00:00.000Z");
    const logger = memoryLogger();
    const clock = new TrustedClock(wall, logger);
    clock.now();
    wall.set("2026-11-27T12:00:00.000Z");
    expect(clock.now().toISOString()).toBe("2026-11-28T12:00:00.000Z");
    clock.now();
    expect(clock.status()).toEqual({ state: "rolled-back", latestSeen: new Date("2026-11-28T12:00:00.000Z"), behindMs: DAY });
    wall.set("2026-11-30T12:00:00.000Z");
    expect(clock.status().state).toBe("ok");
    const messages = logger.lines.map((l) => JSON.parse(l).msg as string);
    expect(messages.filter((m) => m.startsWith("clock rolled back"))).toEqual([
      "clock rolled back: the system clock is 1 d behind the latest time seen; dates are checked against the latest time seen until the clock is set right",
    ]);
    expect(messages.filter((m) => m.startsWith("clock back to normal"))).toHaveLength(1);
    expect(messages).toContain("clock jumped forward by 3 d");
  });

  test("persists the latest time seen, only ever forwards, and starts from it", () => {
    const db = openMemoryDatabase();
    const wall = new ManualClock("2026-11-28T12:00:00.000Z");
    const first = new TrustedClock(wall, memoryLogger());
    first.persist(db);
    expect(readLatestSeen(db)?.toISOString()).toBe("2026-11-28T12:00:00.000Z");

    // Another clock that has only seen an earlier time cannot move the stored one back.
    const earlier = new TrustedClock(new ManualClock("2026-11-01T00:00:00.000Z"), memoryLogger());
    earlier.persist(db);
    expect(readLatestSeen(db)?.toISOString()).toBe("2026-11-28T12:00:00.000Z");

    // A restart with the clock set back two days starts rolled back.
    const restarted = TrustedClock.load(db, new ManualClock("2026-11-26T12:00:00.000Z"), memoryLogger());
    expect(restarted.status()).toMatchObject({ state: "rolled-back", behindMs: 2 * DAY });
    expect(restarted.now().toISOString()).toBe("2026-11-28T12:00:00.000Z");
  });

  test("an unreadable stored value counts as none", () => {
    const db = openMemoryDatabase();
    db.$client.query("INSERT INTO settings (key, value, updated_at) VALUES (?1, 'garbage', 0)").run(LATEST_SEEN_SETTING);
    expect(readLatestSeen(db)).toBeNull();
  });

  test("the clock-watch job stores the latest time seen every minute", () => {
    const db = openMemoryDatabase();
    const wall = new ManualClock("2026-11-28T12:00:00.000Z");
    const clock = new TrustedClock(wall, memoryLogger());
    const job = clockWatchJob({ db, trustedClock: clock });
    expect(job.intervalMs).toBe(CLOCK_WATCH_MS);
    wall.advance(CLOCK_WATCH_MS);
    job.run();
    expect(readLatestSeen(db)?.toISOString()).toBe("2026-11-28T12:01:00.000Z");
  });
});
