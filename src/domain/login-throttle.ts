/**
 * Login throttling, decided before any password is hashed (an argon2 verify costs ~20 ms of CPU).
 *
 * Per address: after MAX_FAILURES failures within WINDOW_MS, further attempts are refused for a
 * lock that doubles with each lock in a row (30 s, 60 s, … up to 15 min). A success, or an hour
 * without failures, forgives the address. Nothing locks for good: there is only one admin.
 * Globally: at most GLOBAL_PER_SECOND password checks per second, so many addresses together
 * cannot turn logins into a CPU sink.
 */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 60_000;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;
const FORGIVE_MS = 60 * 60_000;
export const GLOBAL_PER_SECOND = 10;
const MAX_TRACKED = 10_000;

interface AddressState {
  failures: number[]; // times of recent failures
  locks: number; // locks in a row
  lockedUntil: number;
  lastFailure: number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class LoginThrottle {
  #byAddress = new Map<string, AddressState>();
  #globalTokens = GLOBAL_PER_SECOND;
  #globalRefilledAt = 0;

  /** Asks to check one password from `address` at `now` (ms). Spends a global token when allowed. */
  attempt(address: string, now: number): ThrottleDecision {
    const state = this.#state(address, now);
    if (state && state.lockedUntil > now) return { allowed: false, retryAfterSeconds: Math.ceil((state.lockedUntil - now) / 1000) };
    this.#refill(now);
    if (this.#globalTokens < 1) return { allowed: false, retryAfterSeconds: 1 };
    this.#globalTokens -= 1;
    return { allowed: true };
  }

  failed(address: string, now: number): void {
    const state = this.#state(address, now) ?? { failures: [], locks: 0, lockedUntil: 0, lastFailure: 0 };
    state.failures = state.failures.filter((t) => now - t < WINDOW_MS);
    state.failures.push(now);
    state.lastFailure = now;
    if (state.failures.length >= MAX_FAILURES) {
      state.lockedUntil = now + Math.min(FIRST_LOCK_MS * 2 ** state.locks, MAX_LOCK_MS);
      state.locks += 1;
      state.failures = [];
    }
    if (this.#byAddress.size >= MAX_TRACKED && !this.#byAddress.has(address)) this.#evict(now);
    this.#byAddress.set(address, state);
  }

  succeeded(address: string): void {
    this.#byAddress.delete(address);
  }

  #state(address: string, now: number): AddressState | undefined {
    const state = this.#byAddress.get(address);
    if (state && state.lockedUntil <= now && now - state.lastFailure > FORGIVE_MS) {
      this.#byAddress.delete(address);
      return undefined;
    }
    return state;
  }

  #refill(now: number) {
    const elapsed = now - this.#globalRefilledAt;
    this.#globalTokens = Math.min(GLOBAL_PER_SECOND, this.#globalTokens + (elapsed * GLOBAL_PER_SECOND) / 1000);
    this.#globalRefilledAt = now;
  }

  #evict(now: number) {
    for (const [address, state] of this.#byAddress) if (state.lockedUntil <= now) this.#byAddress.delete(address);
  }
}
