import type { Db } from "../db/client";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { AUTHORIZATION_COUNT_RETENTION_MS, REPORT_RETENTION_MS, SILENT_DEVICE_RETENTION_MS } from "../services/authorization";
import { purgeExpiredSessions, type SessionPolicy } from "../services/sessions";
import type { UsageStore } from "../services/usage/usage-store";
import type { Job } from "./scheduler";

export const HOUSEKEEPING_MS = 10 * 60_000;

/**
 * Every 10 minutes: deletes portal sessions that can no longer be used, forgets old reports and
 * authorization counts, and forgets the silent devices of uncapped items (scan, page, domain).
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
      if (purged + reports + counts + devices > 0) {
        deps.logger.debug("housekeeping", { expiredSessions: purged, forgottenReports: reports, purgedAuthorizationCounts: counts, forgottenDevices: devices });
      }
    },
  };
}
