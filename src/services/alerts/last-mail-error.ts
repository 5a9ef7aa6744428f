import { inArray } from "drizzle-orm";
import { settings } from "../../db/schema";
import type { ServiceContext } from "../context";
import { MAIL_STATUS_SETTINGS } from "./deliver-outbox";

export interface LastMailError {
  at: Date;
  error: string;
  /** A message was accepted after this error: mail works again. */
  recovered: boolean;
}

/** The outbox's last failed attempt, for Home; null when none ever failed. */
export function lastMailError(ctx: Pick<ServiceContext, "db">): LastMailError | null {
  const rows = ctx.db.select().from(settings).where(inArray(settings.key, Object.values(MAIL_STATUS_SETTINGS))).all();
  const errorRow = rows.find((r) => r.key === MAIL_STATUS_SETTINGS.lastError);
  if (!errorRow) return null;
  const { at, error } = JSON.parse(errorRow.value) as { at: number; error: string };
  const lastSent = Number(rows.find((r) => r.key === MAIL_STATUS_SETTINGS.lastSentAt)?.value ?? 0);
  return { at: new Date(at), error, recovered: lastSent > at };
}
