/** The source of "now" for everything that depends on time; tests inject a fixed one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Calls back later: the scheduler's source of time passing; a ManualClock drives it in tests. */
export interface Timers {
  /** Calls `fn` once, `ms` from now. The returned function cancels the call. */
  after(ms: number, fn: () => void): () => void;
}

/** Real timers, unref'd: a pending timer never keeps the process alive. */
export const systemTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

interface PendingTimer {
  at: number;
  order: number;
  fn: () => void;
}

/**
 * A clock that stands still until a test moves it. As Timers, moving it forward fires every timer
 * that comes due, in order of due time (then of creation), with the clock set to each one's time;
 * timers set by those callbacks fire too if they fall due before the target time.
 */
export class ManualClock implements Clock, Timers {
  #ms: number;
  #timers: PendingTimer[] = [];
  #created = 0;
  constructor(start: Date | string = "2026-11-28T12:00:00.000Z") {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#moveTo(this.#ms + ms);
  }
  set(at: Date | string): void {
    this.#moveTo(new Date(at).getTime());
  }
  after(ms: number, fn: () => void): () => void {
    const timer: PendingTimer = { at: this.#ms + Math.max(0, ms), order: this.#created++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }
  #moveTo(target: number): void {
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#ms = Math.max(this.#ms, due.at);
      due.fn();
    }
    this.#ms = target;
  }
}
