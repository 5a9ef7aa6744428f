import { transaction } from "../../db/transaction";
import { validationError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { AdminContext } from "./context";
import { parseInput } from "../parse-input";
import type { NewSession } from "../sessions";
import { checkPassword } from "./check-password";
import { ChangePasswordInput } from "./schemas";
import { replacePassword } from "./set-password";

/**
 * Changes the management password from the portal. Needs the current password (checked and
 * throttled like a login); every other session ends, the caller's own continues under a new id
 * (`session`, for the new cookie). Throws VALIDATION naming the field at fault, RATE_LIMITED while
 * throttled.
 */
export async function changePassword(
  ctx: AdminContext,
  raw: ChangePasswordInput,
  caller: { sessionIdHash: string; userAgent: string | null },
): Promise<{ endedSessions: number; session: NewSession }> {
  const input = parseInput(ChangePasswordInput, raw);
  if (!(await checkPassword(ctx, input.currentPassword))) {
    transaction(ctx.db, (tx) => recordAuditEvent(tx, ctx.clock.now(), ctx.actor, "password.change-refused"));
    throw validationError({ currentPassword: "This is not the current password." });
  }
  if (input.newPassword !== input.confirmPassword) throw validationError({ confirmPassword: "The two new passwords differ. Type the same one twice." });
  if (input.newPassword === input.currentPassword) throw validationError({ newPassword: "The new password must differ from the current one." });
  const { endedSessions, session } = await replacePassword(ctx, {
    password: input.newPassword,
    field: "newPassword",
    keepSessionIdHash: caller.sessionIdHash,
    action: "password.changed",
    renew: { userAgent: caller.userAgent },
  });
  return { endedSessions, session: session! };
}
