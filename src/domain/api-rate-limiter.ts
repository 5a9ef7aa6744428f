/**
 * Limits the client API per source address (PROTOCOL.md, code 3): a token bucket per address key
 * that refills `ratePerSecond` tokens a second up to `burst` (5 × the rate unless given). A
 * request takes one token; with none left it is refused and told how many seconds to wait.
 * Memory is bounded: at most `maxTracked` addresses are kept, and the one least recently seen
 * is forgotten first (it comes back with a full bucket). A rate of 0 turns the limit off.
 * Time is passed in (ms), so it is tested without waiting.
 */
export class ApiRateLimiter {
  // A Map iterates in insertion order: re-inserting on every take keeps the least recent first.
  #buckets = new Map<string, { tokens: number; at: number }>();
  readonly burst: number;
  readonly maxTracked: number;

  constructor(
    readonly ratePerSecond: number,
    options: { burst?: number; maxTracked?: number } = {},
  ) {
    this.burst = options.burst ?? ratePerSecond * 5;
    this.maxTracked = options.maxTracked ?? 10_000;
  }

  /** Takes a token for `key`: 0 when the request may go on, else the seconds to wait (≥ 1). */
  take(key: string, now: number): number {
    if (this.ratePerSecond <= 0) return 0;
    const known = this.#buckets.get(key);
    if (known) this.#buckets.delete(key);
    else if (this.#buckets.size >= this.maxTracked) this.#buckets.delete(this.#buckets.keys().next().value!);
    const elapsed = known ? Math.max(0, now - known.at) : 0;
    const tokens = known ? Math.min(this.burst, known.tokens + (elapsed / 1000) * this.ratePerSecond) : this.burst;
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.#buckets.set(key, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / this.ratePerSecond));
  }

  /** How many addresses are tracked now. */
  get tracked(): number {
    return this.#buckets.size;
  }
}
