import { count, inArray } from "drizzle-orm";
import { outbox } from "../../db/schema";
import type { ServiceContext } from "../context";

/** Messages waiting to be sent (pending or being sent): one indexed count, cheap enough for /metrics. */
export function outboxDepth(ctx: Pick<ServiceContext, "db">): number {
  return ctx.db.select({ n: count() }).from(outbox).where(inArray(outbox.status, ["pending", "sending"])).get()?.n ?? 0;
}
