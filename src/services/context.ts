import type { Db } from "../db/client";
import type { AuditActor } from "../db/schema";
import type { LoginThrottle } from "../domain/login-throttle";
import type { Clock } from "../lib/clock";
import type { PasswordHasher } from "../lib/password-hasher";

/** Who is acting, for the audit log and per-address limits. */
export interface Actor {
  kind: AuditActor;
  ip: string | null;
}

/** What every service verb is handed: storage, time, the password hasher, and who acts. */
export interface ServiceContext {
  db: Db;
  clock: Clock;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  actor: Actor;
}

export const consoleActor: Actor = { kind: "console", ip: null };
