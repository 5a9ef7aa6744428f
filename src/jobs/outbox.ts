import type { Logger } from "../lib/logger";
import { deliverOutbox } from "../services/alerts";
import type { ServiceContext } from "../services/context";
import type { Job } from "./scheduler";

export const OUTBOX_MS = 30_000;

/** Every 30 seconds: sends the outbox's due messages (services/alerts/deliver-outbox.ts: retries, back-off). */
export function outboxJob(ctx: Pick<ServiceContext, "db" | "clock" | "instanceKey" | "mailerFor"> & { logger: Logger }): Job {
  return {
    name: "outbox",
    intervalMs: OUTBOX_MS,
    async run() {
      const run = await deliverOutbox(ctx);
      if (run.deferred + run.failed > 0) ctx.logger.warn("mail not sent; it stays in the outbox", { ...run });
    },
  };
}
