import type { Db } from "../db/client";
import type { TrustedClock } from "../services/clock";
import type { Job } from "./scheduler";

/** How often the clock is read and the latest time seen stored, even when no request comes. */
export const CLOCK_WATCH_MS = 60_000;

/** Every minute: notices a rollback or a jump (logged), and stores the latest time seen. */
export function clockWatchJob(deps: { db: Db; trustedClock: Pick<TrustedClock, "persist"> }): Job {
  return { name: "clock-watch", intervalMs: CLOCK_WATCH_MS, run: () => deps.trustedClock.persist(deps.db) };
}
