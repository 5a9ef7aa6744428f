import { validationError } from "../../domain/errors";
import { transaction } from "../../db/transaction";
import { recordAuditEvent } from "../audit";
import type { AdminContext } from "./context";
import { parseInput } from "../parse-input";
import { createSession, endSession, type NewSession } from "../sessions";
import { checkPassword } from "./check-password";
import { LogInInput } from "./schemas";

/**
 * Logs the admin in: checks the password (throttled per address and globally, or per device for
 * a browser that shows a verified login-device id, see login-device.ts), ends the session
 * the browser came with (a new id at every login) and starts a new one. Throws VALIDATION for a
 * wrong password, RATE_LIMITED while throttled. Successes and failures are audited.
 */
export async function logIn(ctx: AdminContext, raw: LogInInput, from: { previousSessionIdHash: string | null; userAgent: string | null; device?: string | null }): Promise<NewSession> {
  const input = parseInput(LogInInput, raw);
  const ok = await checkPassword(ctx, input.password, from.device ?? null);
  const session = transaction(ctx.db, (tx) => {
    const at = ctx.clock.now();
    if (!ok) {
      recordAuditEvent(tx, at, ctx.actor, "login.failed");
      return null;
    }
    if (from.previousSessionIdHash) endSession(tx, from.previousSessionIdHash);
    recordAuditEvent(tx, at, { ...ctx.actor, kind: "admin" }, "login.succeeded");
    return createSession(tx, { at, ip: ctx.actor.ip, userAgent: from.userAgent });
  });
  if (session) return session;
  throw validationError({ password: "That password is not right. After 5 failures in a minute you must wait before the next try." }, "Log-in failed.");
}
