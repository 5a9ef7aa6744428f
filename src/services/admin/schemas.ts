import * as v from "valibot";
import { PASSWORD_MAX_BYTES } from "../../domain/password-policy";

// Length caps keep hostile inputs small; the policy (domain/password-policy.ts) says the rest.
const password = (message: string) => v.pipe(v.string(message), v.minLength(1, message), v.maxLength(PASSWORD_MAX_BYTES * 4, "This is too long."));

export const SetUpPasswordInput = v.object({
  token: v.pipe(v.string(), v.trim(), v.minLength(1, "Paste the setup token from the server's console."), v.maxLength(200, "This is not a setup token.")),
  password: password("Choose a password."),
  confirmPassword: password("Type the password again."),
});
export type SetUpPasswordInput = v.InferInput<typeof SetUpPasswordInput>;

export const LogInInput = v.object({ password: password("Enter the management password.") });
export type LogInInput = v.InferInput<typeof LogInInput>;

export const ChangePasswordInput = v.object({
  currentPassword: password("Enter your current password."),
  newPassword: password("Choose a new password."),
  confirmPassword: password("Type the new password again."),
});
export type ChangePasswordInput = v.InferInput<typeof ChangePasswordInput>;
