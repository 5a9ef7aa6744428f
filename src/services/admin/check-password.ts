import { addressKey } from "../../domain/address-key";
import { AppError } from "../../domain/errors";
import type { AdminContext } from "./context";
import { storedPasswordHash } from "./get-admin-state";

/**
 * Opens one throttled attempt at a secret typed at the portal (the password, the setup token)
 * for the acting address, or for `device` (a verified login-device id), before any hashing. Throws
 * RATE_LIMITED while the address or device (or everyone) must wait; the caller reports how the
 * attempt went.
 */
export function beginAttempt(ctx: Pick<AdminContext, "clock" | "throttle" | "actor">, device: string | null = null): { failed(): void; succeeded(): void } {
  const address = addressKey(ctx.actor.ip);
  const decision = ctx.throttle.attempt(address, ctx.clock.now().getTime(), device);
  if (!decision.allowed) {
    throw new AppError("RATE_LIMITED", `Too many attempts. Wait ${decision.retryAfterSeconds} seconds, then try again.`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
  return {
    failed: () => ctx.throttle.failed(address, ctx.clock.now().getTime(), device),
    succeeded: () => ctx.throttle.succeeded(address, device),
  };
}

/** Checks the management password, throttled (see beginAttempt). Returns whether it matched. */
export async function checkPassword(ctx: AdminContext, password: string, device: string | null = null): Promise<boolean> {
  const attempt = beginAttempt(ctx, device);
  const hash = storedPasswordHash(ctx.db);
  const ok = hash !== null && (await ctx.hasher.verify(hash, password));
  if (ok) attempt.succeeded();
  else attempt.failed();
  return ok;
}
