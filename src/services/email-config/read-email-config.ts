import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { emailConfig, SMTP_SECURITY } from "../../db/schema";
import type { SmtpSettings } from "../../mail/mailer";
import type { ServiceContext } from "../context";

export const EMAIL_CONFIG_ROW = 1;

/** The Email Config as the portal shows it: never the password, only whether one is set. */
export interface EmailConfigView {
  host: string;
  port: number;
  security: (typeof SMTP_SECURITY)[number];
  user: string;
  hasPassword: boolean;
  fromAddress: string;
  to: string[];
  cc: string[];
  bcc: string[];
  updatedAt: Date;
}

const list = (text: string) => text.split(";").map((a) => a.trim()).filter(Boolean);

/** The saved Email Config, or null while none was saved. */
export function readEmailConfig(ctx: Pick<ServiceContext, "db">): EmailConfigView | null {
  const row = ctx.db.select().from(emailConfig).where(eq(emailConfig.id, EMAIL_CONFIG_ROW)).get();
  if (!row) return null;
  return {
    host: row.host,
    port: row.port,
    security: row.security,
    user: row.user,
    hasPassword: row.passwordSealed !== null,
    fromAddress: row.fromAddress,
    to: list(row.to),
    cc: list(row.cc),
    bcc: list(row.bcc),
    updatedAt: new Date(row.updatedAt),
  };
}

/** What a send needs: the SMTP settings with the password unsealed, and the envelope. */
export interface MailRoute {
  smtp: SmtpSettings;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
}

/**
 * The saved config ready to send with, the password unsealed with the instance key; null while
 * none was saved. A password sealed by another instance (a database copied without its key)
 * cannot be opened: the send goes without it and the server's refusal says why.
 */
export function mailRoute(ctx: Pick<ServiceContext, "db" | "instanceKey">): MailRoute | null {
  const row = (ctx.db as Db).select().from(emailConfig).where(eq(emailConfig.id, EMAIL_CONFIG_ROW)).get();
  if (!row) return null;
  let password: string | undefined;
  if (row.passwordSealed) {
    try {
      password = ctx.instanceKey.unseal(row.passwordSealed);
    } catch {
      password = undefined;
    }
  }
  return {
    smtp: { host: row.host, port: row.port, security: row.security, ...(row.user ? { user: row.user, password } : {}) },
    from: row.fromAddress,
    to: list(row.to),
    cc: list(row.cc),
    bcc: list(row.bcc),
  };
}
