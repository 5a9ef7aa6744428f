import { transaction } from "../../db/transaction";
import { describeClockGap, ROLLBACK_THRESHOLD_MS } from "../../domain/clock-rollback";
import { AppError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { LATEST_SEEN_SETTING, readLatestSeen } from "./trusted-clock";

export type ClockReset = { reset: false; latestSeen: Date | null } | { reset: true; was: Date; now: Date; ahead: string };

/**
 * `lts clock-reset`: after a clock that was wrongly set ahead has been corrected, the latest time
 * seen stays ahead and the server reads the correct clock as a rollback (README, "Clock"). This
 * moves the latest time seen back to the system clock's time, audit-logged with both times. A
 * latest time seen that is not ahead by more than the rollback threshold is left as it is. The
 * caller makes sure no server runs on the data dir (it keeps its own latest time in memory).
 */
export function resetLatestSeen(ctx: Pick<ServiceContext, "db" | "clock" | "actor">, input: { confirmed: boolean }): ClockReset {
  const now = ctx.clock.now();
  const latestSeen = readLatestSeen(ctx.db);
  if (!latestSeen || latestSeen.getTime() - now.getTime() <= ROLLBACK_THRESHOLD_MS) return { reset: false, latestSeen };
  const ahead = describeClockGap(latestSeen.getTime() - now.getTime());
  if (!input.confirmed) {
    throw new AppError("VALIDATION", `The latest time seen, ${latestSeen.toISOString()}, is ${ahead} ahead of this machine's clock (${now.toISOString()}). If the clock is right now, run the command again with --yes to forget the times ahead of it.`);
  }
  transaction(ctx.db, (tx) => {
    tx.$client.run("UPDATE settings SET value = ?1, updated_at = ?2 WHERE key = ?3", [now.toISOString(), now.getTime(), LATEST_SEEN_SETTING]);
    recordAuditEvent(tx, now, ctx.actor, "clock.reset", { latestSeen: latestSeen.toISOString(), now: now.toISOString() });
  });
  return { reset: true, was: latestSeen, now, ahead };
}
