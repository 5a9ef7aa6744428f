import type { Db } from "../db/client";
import { transaction } from "../db/transaction";
import { DOMAIN_WINDOW_DAYS } from "../domain/charge-ways";
import { DAY_MS, slotOf } from "../domain/slots";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { AUTHORIZATION_COUNT_RETENTION_MS, REPORT_RETENTION_MS, SILENT_DEVICE_RETENTION_MS } from "../services/authorization";
import { purgeExpiredSessions, type SessionPolicy } from "../services/sessions";
import type { UsageStore } from "../services/usage/usage-store";
import type { Job } from "./scheduler";

export const HOUSEKEEPING_MS = 10 * 60_000;
/** Lapsed devices and domains un-counted per run (the capacity checks expire the rest as they need). */
export const LAPSED_PER_RUN = 10_000;

/** The capacity counters' share: a bounded number of lapsed seats expired, old slot occupancy forgotten. */
function expireCapacity(db: Db, store: UsageStore, now: number): { lapsed: number; slots: number } {
  return transaction(db, () => ({
    lapsed: store.expireLapsed(now, now - DOMAIN_WINDOW_DAYS * DAY_MS, LAPSED_PER_RUN),
    slots: store.purgeSlotOccupancy(slotOf(now - AUTHORIZATION_COUNT_RETENTION_MS)),
  }));
}

/**
 * Every 10 minutes: deletes portal sessions that can no longer be used, forgets old reports and
 * authorization counts, forgets the silent devices of uncapped items (scan, page, domain), and
 * keeps the capacity counters trim (a bounded number of lapsed seats, slot occupancy past 35 days).
 */
export function housekeepingJob(deps: { db: Db; clock: Clock; logger: Logger; usageStore: UsageStore; settings: { sessionPolicy: SessionPolicy } }): Job {
  return {
    name: "housekeeping",
    intervalMs: HOUSEKEEPING_MS,
    run() {
      const now = deps.clock.now();
      const purged = purgeExpiredSessions(deps.db, now, deps.settings.sessionPolicy);
      const reports = deps.usageStore.purgeReports(now.getTime() - REPORT_RETENTION_MS);
      const counts = deps.usageStore.purgeAuthorizationCounts(now.getTime() - AUTHORIZATION_COUNT_RETENTION_MS);
      const devices = deps.usageStore.forgetSilentDevices(now.getTime() - SILENT_DEVICE_RETENTION_MS);
      const capacity = expireCapacity(deps.db, deps.usageStore, now.getTime());
      if (purged + reports + counts + devices + capacity.lapsed + capacity.slots > 0) {
        deps.logger.debug("housekeeping", { expiredSessions: purged, forgottenReports: reports, purgedAuthorizationCounts: counts, forgottenDevices: devices, lapsedSeats: capacity.lapsed, purgedSlotOccupancy: capacity.slots });
      }
    },
  };
}
