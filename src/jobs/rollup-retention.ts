import { DAY_MS } from "../domain/slots";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import type { UsageStore } from "../services/usage/usage-store";
import type { Job } from "./scheduler";

export const ROLLUP_RETENTION_MS = 60 * 60_000;

/** How long usage is kept at each grain (--usage-slot-days, --usage-hourly-days); daily for ever. */
export interface UsageRetention {
  slotDays: number;
  hourlyDays: number;
}

/**
 * Every hour: forgets slot-level usage older than `slotDays` and hourly rollups older than
 * `hourlyDays` (DESIGN.md, "Limits and retention"). Daily and all-time rollups are never purged,
 * so the statistics of any past day stay.
 */
export function rollupRetentionJob(deps: { clock: Clock; logger: Logger; usageStore: UsageStore; retention: UsageRetention }): Job {
  return {
    name: "rollup-retention",
    intervalMs: ROLLUP_RETENTION_MS,
    run() {
      const now = deps.clock.now().getTime();
      const purged = deps.usageStore.rollups.purge(now - deps.retention.slotDays * DAY_MS, now - deps.retention.hourlyDays * DAY_MS);
      if (purged.slotRows + purged.hourRows > 0) deps.logger.debug("rollup retention", purged);
    },
  };
}
