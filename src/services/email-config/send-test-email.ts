import type { SendResult } from "../../mail/mailer";
import { AppError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { transaction } from "../../db/transaction";
import { mailRoute } from "./read-email-config";

/**
 * "Send test email": sends one short message through the saved Email Config to all its receivers
 * and returns what the SMTP server answered, or the exact error (refused, timed out, TLS,
 * authentication). Throws VALIDATION while no config is saved. Audit `email-config.test-sent`.
 */
export async function sendTestEmail(ctx: Pick<ServiceContext, "db" | "clock" | "actor" | "instanceKey" | "mailerFor">): Promise<SendResult> {
  const route = mailRoute(ctx);
  if (!route) throw new AppError("VALIDATION", "Save the Email Config first: the test email goes through the saved settings.", { fields: {} });
  const at = ctx.clock.now();
  const result = await ctx.mailerFor(route.smtp).send({
    from: route.from,
    to: route.to,
    cc: route.cc,
    bcc: route.bcc,
    subject: "LTS test email",
    text: `This is a test email from your License Tracking Server, sent ${at.toISOString()}.\nAlerts will reach these receivers.`,
    html: `<p>This is a test email from your License Tracking Server, sent ${at.toISOString()}.</p><p>Alerts will reach these receivers.</p>`,
  });
  transaction(ctx.db, (tx) => recordAuditEvent(tx, ctx.clock.now(), ctx.actor, "email-config.test-sent", { accepted: result.accepted, ...(result.accepted ? { response: result.response } : { error: result.error }) }));
  return result;
}
