import { adminCredentials } from "../../db/schema";
import { AppError, validationError } from "../../domain/errors";
import { passwordProblem } from "../../domain/password-policy";
import { transaction } from "../../db/transaction";
import { recordAuditEvent } from "../audit";
import type { AdminContext } from "./context";
import { createSession, endOtherSessions, endSession, type NewSession } from "../sessions";

/** Refuses a password the policy rejects, naming `field` so a form can show it there. */
export function assertAcceptable(password: string, field: string): void {
  const problem = passwordProblem(password);
  if (problem) throw validationError({ [field]: problem });
}

/**
 * Sets the first management password; exactly one caller can win (a conditional insert), every
 * other gets CONFLICT. Used by the setup page and by `lts set-password --stdin`.
 */
export async function setInitialPassword(ctx: Pick<AdminContext, "db" | "clock" | "actor" | "hasher">, password: string, detail: Record<string, unknown> = {}): Promise<void> {
  assertAcceptable(password, "password");
  const hash = await ctx.hasher.hash(password);
  transaction(ctx.db, (tx) => {
    const at = ctx.clock.now();
    const inserted = tx.insert(adminCredentials).values({ id: 1, passwordHash: hash, updatedAt: at }).onConflictDoNothing().returning({ id: adminCredentials.id }).all();
    if (inserted.length !== 1) throw new AppError("CONFLICT", "The management password is already set. Log in instead.");
    recordAuditEvent(tx, at, ctx.actor, "setup.completed", detail);
  });
}

/**
 * Replaces the management password and ends every session except `keepSessionIdHash`
 * (all of them when null). With `renew`, the kept session continues under a new id (returned as
 * `session`; its old id is invalid): a session id that may have leaked does not outlive the password.
 * Audit action: `password.changed` or `password.reset`.
 */
export async function replacePassword(
  ctx: Pick<AdminContext, "db" | "clock" | "actor" | "hasher">,
  input: { password: string; field: string; keepSessionIdHash: string | null; action: string; renew?: { userAgent: string | null } },
): Promise<{ endedSessions: number; session: NewSession | null }> {
  assertAcceptable(input.password, input.field);
  const hash = await ctx.hasher.hash(input.password);
  return transaction(ctx.db, (tx) => {
    const at = ctx.clock.now();
    tx.insert(adminCredentials)
      .values({ id: 1, passwordHash: hash, updatedAt: at })
      .onConflictDoUpdate({ target: adminCredentials.id, set: { passwordHash: hash, updatedAt: at } })
      .run();
    const endedSessions = endOtherSessions(tx, input.keepSessionIdHash);
    let session: NewSession | null = null;
    if (input.keepSessionIdHash && input.renew) {
      endSession(tx, input.keepSessionIdHash);
      session = createSession(tx, { at, ip: ctx.actor.ip, userAgent: input.renew.userAgent });
    }
    recordAuditEvent(tx, at, ctx.actor, input.action, { endedSessions });
    return { endedSessions, session };
  });
}
