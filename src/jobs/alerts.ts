import type { Logger } from "../lib/logger";
import { deliverOutbox, runAlerts, type AlertEmailComposer } from "../services/alerts";
import type { ServiceContext } from "../services/context";
import type { Job } from "./scheduler";

export const ALERTS_DEFAULT_MINUTES = 10;

/**
 * Every `--alert-interval` minutes (10 by default): judges every alert rule, queues one email for
 * all conditions met, and hands it to the outbox at once. Reads without a transaction and writes
 * in one short one; the API never waits for it.
 */
export function alertsJob(ctx: Pick<ServiceContext, "db" | "clock" | "origin" | "instanceKey" | "mailerFor"> & { logger: Logger }, options: { intervalMs: number; compose: AlertEmailComposer }): Job {
  return {
    name: "alerts",
    intervalMs: options.intervalMs,
    async run() {
      const { conditions, queued } = runAlerts(ctx, options.compose);
      if (queued === null) return;
      ctx.logger.info("alert queued", { outboxId: queued, conditions: conditions.length });
      await deliverOutbox(ctx);
    },
  };
}
