/**
 * Login throttling, decided before any password is hashed (an argon2 verify costs ~20 ms of CPU).
 *
 * Per address: after MAX_FAILURES failures within WINDOW_MS, further attempts are refused for a
 * lock that doubles with each lock in a row (30 s, 60 s, … up to 15 min). A success, or an hour
 * without failures, forgives the address. Nothing locks for good: there is only one admin.
 * Globally: at most GLOBAL_PER_SECOND password checks per second, so many addresses together
 * cannot turn logins into a CPU sink.
 * A known device (a browser that logged in here before and shows its signed device cookie) is
 * counted on its own instead: the same locks apply to it, but neither the global limit nor its
 * address's lock refuse it, so an attack from elsewhere cannot lock the admin out.
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
  #bySource = new Map<string, AddressState>();
  #globalTokens = GLOBAL_PER_SECOND;
  #globalRefilledAt = 0;

  /**
   * Asks to check one password from `address` at `now` (ms), or from the known `device` (its
   * verified id). Spends a global token when allowed, unless it is a known device.
   */
  attempt(address: string, now: number, device: string | null = null): ThrottleDecision {
    const state = this.#state(keyOf(address, device), now);
    if (state && state.lockedUntil > now) return { allowed: false, retryAfterSeconds: Math.ceil((state.lockedUntil - now) / 1000) };
    if (device) return { allowed: true };
    this.#refill(now);
    if (this.#globalTokens < 1) return { allowed: false, retryAfterSeconds: 1 };
    this.#globalTokens -= 1;
    return { allowed: true };
  }

  /** Counts a failure against the known device, else against the address. */
  failed(address: string, now: number, device: string | null = null): void {
    const key = keyOf(address, device);
    const state = this.#state(key, now) ?? { failures: [], locks: 0, lockedUntil: 0, lastFailure: 0 };
    state.failures = state.failures.filter((t) => now - t < WINDOW_MS);
    state.failures.push(now);
    state.lastFailure = now;
    if (state.failures.length >= MAX_FAILURES) {
      state.lockedUntil = now + Math.min(FIRST_LOCK_MS * 2 ** state.locks, MAX_LOCK_MS);
      state.locks += 1;
      state.failures = [];
    }
    if (this.#bySource.size >= MAX_TRACKED && !this.#bySource.has(key)) this.#evict(now);
    this.#bySource.set(key, state);
  }

  /** Forgives the address, and the device if there is one. */
  succeeded(address: string, device: string | null = null): void {
    this.#bySource.delete(address);
    if (device) this.#bySource.delete(keyOf(address, device));
  }

  #state(key: string, now: number): AddressState | undefined {
    const state = this.#bySource.get(key);
    if (state && state.lockedUntil <= now && now - state.lastFailure > FORGIVE_MS) {
      this.#bySource.delete(key);
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
    for (const [address, state] of this.#bySource) if (state.lockedUntil <= now) this.#bySource.delete(address);
  }
}

/** Devices and addresses share one map; a device key cannot collide with an address key. */
const keyOf = (address: string, device: string | null) => (device ? `device:${device}` : address);
