import { AppError, validationError } from "../../domain/errors";
import type { AdminContext } from "./context";
import { parseInput } from "../parse-input";
import { beginAttempt } from "./check-password";
import { isPasswordSet } from "./get-admin-state";
import { SetUpPasswordInput } from "./schemas";
import { setInitialPassword } from "./set-password";
import type { SetupToken } from "./setup-token";

/**
 * First run at the portal: checks the one-time setup token (throttled), then sets the management
 * password. Exactly one setup wins; the token is consumed. Throws VALIDATION (token or password),
 * RATE_LIMITED, or CONFLICT when the password is already set.
 */
export async function setUpPassword(ctx: AdminContext, setupToken: SetupToken, raw: SetUpPasswordInput): Promise<void> {
  const input = parseInput(SetUpPasswordInput, raw);
  if (isPasswordSet(ctx.db)) throw new AppError("CONFLICT", "The management password is already set. Log in instead.");
  const attempt = beginAttempt(ctx);
  if (!setupToken.matches(input.token)) {
    attempt.failed();
    throw validationError({ token: "This is not the setup token. Copy it from the server's console, its log, or the file setup-token in the data dir." });
  }
  attempt.succeeded();
  if (input.password !== input.confirmPassword) throw validationError({ confirmPassword: "The two passwords differ. Type the same password twice." });
  await setInitialPassword({ ...ctx, actor: { ...ctx.actor, kind: "admin" } }, input.password, { via: "portal" });
  setupToken.consume();
}
