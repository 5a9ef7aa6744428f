import type { Db } from "../db/client";
import type { AuditActor } from "../db/schema";
import type { IssuerPublicKey } from "../domain/issuer-key";
import type { LoginThrottle } from "../domain/login-throttle";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import type { Mailer, SmtpSettings } from "../mail/mailer";
import type { PasswordHasher } from "../lib/password-hasher";
import type { InstanceKey } from "./instance-key";
import type { MachineIdentity } from "./machine-identity";
import type { ServerOrigin } from "./settings";

/** Who is acting, for the audit log and per-address limits. */
export interface Actor {
  kind: AuditActor;
  ip: string | null;
}

/**
 * Everything a service verb may need. The portal builds one per request (the admin when logged
 * in, else anonymous, from the request's address); the console builds one per command. Verbs
 * declare the part they use with `Pick<ServiceContext, …>`, so a test passes just that.
 */
export interface ServiceContext {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Who acts: recorded in every audit row the verb writes. */
  actor: Actor;
  hasher: PasswordHasher;
  /** Failed secrets (password, setup token) per address. */
  throttle: LoginThrottle;
  /** This server's own key: pinned in license keys, seals session passwords. */
  instanceKey: InstanceKey;
  /** Where license keys point until Set Server URL says otherwise: this server as clients reach it. */
  origin: ServerOrigin;
  /** The issuer keys compiled into this build: the only signers of license files it accepts. */
  trustedIssuers: IssuerPublicKey[];
  /** The hardware binding (machine UUID): its status, and the reader of this machine's labels. */
  machine: MachineIdentity;
  /** Makes the mailer for the Email Config's SMTP settings (tests inject a fake or a test server). */
  mailerFor: MailerFactory;
}

/** From SMTP settings to the mail port that sends through them. */
export type MailerFactory = (settings: SmtpSettings) => Mailer;

export const consoleActor: Actor = { kind: "console", ip: null };
