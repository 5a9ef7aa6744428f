/**
 * Limits how often one source may get a "no" of a given kind (wrong session passwords): at most
 * `max` within `windowMs`; past that the source is refused (code 3) until the oldest falls out.
 */
export class FailureLimiter {
  #failures = new Map<string, number[]>();
  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
    private readonly maxTracked = 10_000,
  ) {}

  /** Seconds the source must wait, or 0 when it may go on. */
  retryAfterSeconds(source: string, now: number): number {
    const recent = this.#recent(source, now);
    return recent.length >= this.max ? Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000)) : 0;
  }

  failed(source: string, now: number): void {
    if (this.#failures.size >= this.maxTracked && !this.#failures.has(source)) this.#failures.delete(this.#failures.keys().next().value!);
    this.#failures.set(source, [...this.#recent(source, now), now]);
  }

  #recent(source: string, now: number): number[] {
    return (this.#failures.get(source) ?? []).filter((t) => now - t < this.windowMs);
  }
}
