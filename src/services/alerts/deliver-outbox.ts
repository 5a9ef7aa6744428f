import { and, asc, eq, lte } from "drizzle-orm";
import type { Db } from "../../db/client";
import { outbox, settings } from "../../db/schema";
import { transaction } from "../../db/transaction";
import type { SendResult } from "../../mail/mailer";
import type { ServiceContext } from "../context";
import { mailRoute } from "../email-config";

/** First retry one minute after a failure, then 2, 4, … minutes, never more than an hour apart. */
export const RETRY_FIRST_MS = 60_000;
export const RETRY_MAX_MS = 60 * 60_000;
/** A message still not accepted this long after it was queued is given up ("failed"). */
export const GIVE_UP_AFTER_MS = 3 * 24 * 60 * 60_000;
const BATCH = 20;

export const MAIL_STATUS_SETTINGS = { lastError: "mail.lastError", lastSentAt: "mail.lastSentAt" } as const;

/** The wait before attempt `attempts + 1`, after `attempts` failed ones. */
export const retryDelayMs = (attempts: number) => Math.min(RETRY_FIRST_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);

/**
 * The Message-ID of an outbox row: the same at every attempt, so a receiver can drop a repeat.
 * (Delivery is at-least-once: a crash after the SMTP server accepted a message but before it was
 * marked sent sends it again on restart, with this same Message-ID.)
 */
export const outboxMessageId = (id: number, kid: string) => `<outbox-${id}.${kid}@lts.invalid>`;

export interface DeliveryRun {
  sent: number;
  failed: number;
  deferred: number;
}

/** The last delivery started per database: runs are chained, never concurrent. */
const queue = new WeakMap<Db, Promise<unknown>>();

/**
 * Sends the outbox's due messages through the Email Config, oldest first. Each is marked "sending"
 * (short transaction), sent with no transaction open, then marked "sent" only once the SMTP server
 * accepted it, or put back with exponential back-off (1 min, 2, 4, … capped at 1 h), or "failed"
 * after 3 days. The first failure ends the run (the server is likely down for the rest too).
 * Rows found "sending" when a run starts were cut off by a crash: they are tried again. Calls
 * made while a run is going wait for it and then run themselves (the alerts job calls this right
 * after queuing, maybe while the outbox job is at it).
 */
export function deliverOutbox(ctx: Pick<ServiceContext, "db" | "clock" | "instanceKey" | "mailerFor">): Promise<DeliveryRun> {
  const run = (queue.get(ctx.db) ?? Promise.resolve()).then(() => deliver(ctx));
  queue.set(
    ctx.db,
    run.catch(() => {}),
  );
  return run;
}

async function deliver(ctx: Pick<ServiceContext, "db" | "clock" | "instanceKey" | "mailerFor">): Promise<DeliveryRun> {
  const result: DeliveryRun = { sent: 0, failed: 0, deferred: 0 };
  ctx.db.update(outbox).set({ status: "pending" }).where(eq(outbox.status, "sending")).run();
  const due = ctx.db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, "pending"), lte(outbox.nextAttemptAt, ctx.clock.now().getTime())))
    .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
    .limit(BATCH)
    .all();
  if (due.length === 0) return result;
  const route = mailRoute(ctx);
  const mailer = route ? ctx.mailerFor(route.smtp) : null;
  for (const { id } of due) {
    const row = transaction(ctx.db, (tx) => {
      const at = ctx.clock.now().getTime();
      return tx.update(outbox).set({ status: "sending", lastAttemptAt: at }).where(and(eq(outbox.id, id), eq(outbox.status, "pending"))).returning().get();
    });
    if (!row) continue;
    const outcome: SendResult =
      route && mailer
        ? await mailer.send({ from: route.from, to: route.to, cc: route.cc, bcc: route.bcc, subject: row.subject, text: row.text, html: row.html, messageId: outboxMessageId(row.id, ctx.instanceKey.kid) })
        : { accepted: false, error: "No Email Config yet: open Email Config, enter the SMTP server and the receivers." };
    const finished = transaction(ctx.db, (tx) => {
      const at = ctx.clock.now().getTime();
      const attempts = row.attempts + 1;
      if (outcome.accepted) {
        tx.update(outbox).set({ status: "sent", attempts, sentAt: at, response: outcome.response }).where(eq(outbox.id, row.id)).run();
        putSetting(tx, MAIL_STATUS_SETTINGS.lastSentAt, String(at), at);
        return "sent" as const;
      }
      const giveUp = at - row.createdAt >= GIVE_UP_AFTER_MS;
      tx.update(outbox)
        .set({ status: giveUp ? "failed" : "pending", attempts, lastError: outcome.error, nextAttemptAt: at + retryDelayMs(attempts) })
        .where(eq(outbox.id, row.id))
        .run();
      putSetting(tx, MAIL_STATUS_SETTINGS.lastError, JSON.stringify({ at, error: outcome.error, outboxId: row.id }), at);
      return giveUp ? ("failed" as const) : ("deferred" as const);
    });
    result[finished]++;
    if (finished !== "sent") break;
  }
  return result;
}

function putSetting(tx: Db, key: string, value: string, at: number): void {
  tx.insert(settings).values({ key, value, updatedAt: new Date(at) }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date(at) } }).run();
}
