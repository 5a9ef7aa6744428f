/**
 * Clock rollback: the server keeps the latest time it has seen (persisted, never moved backwards),
 * and a wall clock that falls well behind it is a rollback, not a correction. While rolled back,
 * "now" is the latest time seen (moving on as the wall clock moves on), so setting the system clock
 * back cannot revive an expired license or reopen a closed slot.
 */

/**
 * How far behind the latest time seen the wall clock may be before it counts as rolled back.
 * NTP on a synchronised host steps by milliseconds, and a VM resumed from a snapshot is corrected
 * within seconds; 5 minutes is also the skew that Kerberos and signed API answers (Keygen) accept.
 * Anything further back is somebody setting the clock. Smaller skews are tolerated silently.
 */
export const ROLLBACK_THRESHOLD_MS = 5 * 60_000;

/**
 * A wall clock that moved forward by more than this between two readings jumped (it is read at
 * least once a minute by the clock-watch job). The jump is trusted but logged.
 */
export const FORWARD_JUMP_MS = 5 * 60_000;

/** What is remembered between two readings of the wall clock. */
export interface ClockMark {
  /** The latest trusted time seen, in ms since the epoch: never moves backwards. */
  latestSeenMs: number;
  /** The wall clock at the previous reading (to measure the time passing while rolled back). */
  lastWallMs: number;
}

export interface TrustedTime {
  /** The time to use: the wall clock, or while rolled back the latest time seen moved on. */
  nowMs: number;
  /** The wall clock is more than ROLLBACK_THRESHOLD_MS behind the latest time seen. */
  rolledBack: boolean;
  /** How far the wall clock is behind the latest time seen (0 when it is not). */
  behindMs: number;
  /** How far the wall clock jumped forward since the previous reading (0 for no jump). */
  jumpedForwardMs: number;
  /** The mark for the next reading. */
  mark: ClockMark;
}

/** The mark at start: the latest time seen as stored (null: never), the wall clock as it is now. */
export function markAtStart(storedLatestSeenMs: number | null, wallMs: number): ClockMark {
  return { latestSeenMs: storedLatestSeenMs ?? wallMs, lastWallMs: wallMs };
}

/**
 * Reads the trusted time from the wall clock and the mark of the previous reading.
 *
 * - Wall clock ahead of, or at most ROLLBACK_THRESHOLD_MS behind, the latest time seen: the wall
 *   clock is "now" (a small skew backwards is tolerated as it is); the latest time seen becomes
 *   the later of the two.
 * - Further behind: rolled back. "Now" is the latest time seen, moved on by the time the wall clock
 *   moved forward since the previous reading (so that time still passes for rate limits and
 *   sessions); a step backwards moves it by nothing. It stays rolled back until the wall clock is
 *   set forward to within the threshold again.
 */
export function trustedNow(wallMs: number, mark: ClockMark): TrustedTime {
  const elapsed = wallMs - mark.lastWallMs;
  const jumpedForwardMs = elapsed > FORWARD_JUMP_MS ? elapsed : 0;
  if (wallMs >= mark.latestSeenMs - ROLLBACK_THRESHOLD_MS) {
    const latestSeenMs = Math.max(mark.latestSeenMs, wallMs);
    return { nowMs: wallMs, rolledBack: false, behindMs: latestSeenMs - wallMs, jumpedForwardMs, mark: { latestSeenMs, lastWallMs: wallMs } };
  }
  const nowMs = mark.latestSeenMs + Math.max(0, elapsed);
  return { nowMs, rolledBack: true, behindMs: nowMs - wallMs, jumpedForwardMs, mark: { latestSeenMs: nowMs, lastWallMs: wallMs } };
}

/** "2 d 3 h", "4 min 10 s": a clock difference for log lines and the banner. */
export function describeClockGap(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), "d"],
    [Math.floor((s % 86_400) / 3_600), "h"],
    [Math.floor((s % 3_600) / 60), "min"],
    [s % 60, "s"],
  ];
  const shown = parts.filter(([n]) => n > 0).slice(0, 2);
  return shown.length === 0 ? "0 s" : shown.map(([n, unit]) => `${n} ${unit}`).join(" ");
}

/** What /healthz and Home say about the clock. */
export interface ClockStatus {
  state: "ok" | "rolled-back";
  /** The latest trusted time seen. */
  latestSeen: Date;
  /** How far the wall clock is behind it (0 when it is not). */
  behindMs: number;
}
