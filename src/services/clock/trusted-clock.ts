import type { Db } from "../../db/client";
import { describeClockGap, markAtStart, trustedNow, type ClockMark, type ClockStatus } from "../../domain/clock-rollback";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger";

/** The settings row that keeps the latest time seen (ISO 8601, UTC), moved forward only. */
export const LATEST_SEEN_SETTING = "clock.latestSeen";

/**
 * The server's Clock: the wall clock, except while it is rolled back (src/domain/clock-rollback.ts),
 * when it is the latest time seen moved on. Everything that reads `deps.clock` — item status, the
 * API's date checks, sessions, rate limits, audit times — gets the trusted time; the Scheduler's
 * timers and the group commit do not read a clock, so they are unaffected.
 *
 * The latest time seen lives in memory and is persisted by `persist()` (the clock-watch job every
 * minute, at start and at stop); the stored value never moves backwards. A reading is a few
 * arithmetic operations, cheap enough for the API's hot path. Entering and leaving the rolled-back
 * state, and jumps forward, are logged once each.
 */
export class TrustedClock implements Clock {
  #mark: ClockMark;
  #rolledBack = false;
  #behindMs = 0;

  constructor(
    private readonly wall: Clock,
    private readonly logger: Logger,
    storedLatestSeen: Date | null = null,
  ) {
    this.#mark = markAtStart(storedLatestSeen?.getTime() ?? null, wall.now().getTime());
  }

  /** A TrustedClock that starts from the latest time seen stored in `db`. */
  static load(db: Db, wall: Clock, logger: Logger): TrustedClock {
    return new TrustedClock(wall, logger, readLatestSeen(db));
  }

  now(): Date {
    const t = trustedNow(this.wall.now().getTime(), this.#mark);
    this.#mark = t.mark;
    this.#behindMs = t.behindMs;
    if (t.jumpedForwardMs > 0) this.logger.warn(`clock jumped forward by ${describeClockGap(t.jumpedForwardMs)}`, { now: new Date(t.nowMs).toISOString() });
    if (t.rolledBack !== this.#rolledBack) {
      this.#rolledBack = t.rolledBack;
      if (t.rolledBack) {
        this.logger.error(`clock rolled back: the system clock is ${describeClockGap(t.behindMs)} behind the latest time seen; dates are checked against the latest time seen until the clock is set right`, {
          latestSeen: new Date(t.nowMs).toISOString(),
          wall: new Date(t.nowMs - t.behindMs).toISOString(),
        });
      } else this.logger.info("clock back to normal: the system clock has caught up with the latest time seen", { now: new Date(t.nowMs).toISOString() });
    }
    return new Date(t.nowMs);
  }

  /** Reads the clock now and says whether it is rolled back. */
  status(): ClockStatus {
    this.now();
    return { state: this.#rolledBack ? "rolled-back" : "ok", latestSeen: new Date(this.#mark.latestSeenMs), behindMs: this.#behindMs };
  }

  /** Reads the clock and stores the latest time seen, unless the stored one is later. */
  persist(db: Db): void {
    const at = this.now().getTime();
    const latest = new Date(this.#mark.latestSeenMs).toISOString();
    // ISO strings of the same shape sort as the times do: the row only ever moves forward.
    db.$client
      .query(
        `INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at WHERE settings.value < excluded.value`,
      )
      .run(LATEST_SEEN_SETTING, latest, at);
  }
}

/** The latest time seen as stored (null: never stored, or unreadable). */
export function readLatestSeen(db: Db): Date | null {
  const row = db.$client.query<{ value: string }, [string]>("SELECT value FROM settings WHERE key = ?1").get(LATEST_SEEN_SETTING);
  const ms = row ? Date.parse(row.value) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms) : null;
}
