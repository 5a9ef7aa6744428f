import { eq } from "drizzle-orm";
import * as v from "valibot";
import { emailConfig, SMTP_SECURITY } from "../../db/schema";
import { transaction } from "../../db/transaction";
import { addressProblem, parseAddressList } from "../../domain/alerts";
import { validationError } from "../../domain/errors";
import { recordAuditEvent } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { EMAIL_CONFIG_ROW } from "./read-email-config";

const text = (max: number) => v.optional(v.pipe(v.string(), v.maxLength(max, `At most ${max} characters.`)), "");

/** The Email Config form as posted: everything text; `passwordAction` says what to do with the stored password. */
export const SaveEmailConfigInput = v.object({
  host: text(253),
  port: text(10),
  security: v.optional(v.string(), "starttls"),
  user: text(256),
  passwordAction: v.optional(v.picklist(["keep", "set", "remove"], "Choose keep, set or remove."), "keep"),
  password: v.optional(v.pipe(v.string(), v.maxLength(1024, "At most 1024 characters.")), ""),
  fromAddress: text(254),
  to: text(4096),
  cc: text(4096),
  bcc: text(4096),
});
export type SaveEmailConfigInput = v.InferInput<typeof SaveEmailConfigInput>;

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/;
const LINE_BREAK = /[\r\n]/;

/**
 * Email Config: the SMTP sender and the alert receivers. Every field is checked before anything is
 * written (VALIDATION naming each field at fault; nothing saved). The password is sealed with the
 * instance key; "keep" leaves the stored one, "remove" clears it. Audit `email-config.changed`
 * with the settings but never the password (only whether it changed).
 */
export function saveEmailConfig(ctx: Pick<ServiceContext, "db" | "clock" | "actor" | "instanceKey">, raw: SaveEmailConfigInput): void {
  const input = parseInput(SaveEmailConfigInput, raw);
  const errors: Record<string, string> = {};
  const host = input.host.trim();
  if (LINE_BREAK.test(input.host)) errors.host = "The host cannot contain a line break.";
  else if (!host) errors.host = "Enter the SMTP server's host name or address, e.g. smtp.example.com.";
  else if (!HOST.test(host)) errors.host = "Enter a host name such as smtp.example.com or an IP address.";
  const port = input.port.trim();
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) errors.port = "Enter a port from 1 to 65535 (587 for STARTTLS, 465 for TLS, 25 without).";
  if (!(SMTP_SECURITY as readonly string[]).includes(input.security)) errors.security = "Choose none, STARTTLS or TLS.";
  if (LINE_BREAK.test(input.user)) errors.user = "The user name cannot contain a line break.";
  if (input.passwordAction === "set" && !input.password) errors.password = "Type the new password, or choose to keep the stored one.";
  if (input.passwordAction === "set" && LINE_BREAK.test(input.password)) errors.password = "The password cannot contain a line break.";
  const from = input.fromAddress.trim();
  const fromProblem = from ? addressProblem(from) : "Enter the address alerts come from, e.g. lts@example.com.";
  if (fromProblem) errors.fromAddress = fromProblem;
  const lists = { to: parseAddressList(input.to), cc: parseAddressList(input.cc), bcc: parseAddressList(input.bcc) };
  for (const [field, parsed] of Object.entries(lists)) if (!parsed.ok) errors[field] = parsed.problem;
  if (lists.to.ok && lists.to.value.length === 0) errors.to = "Enter at least one receiver; separate several with ';'.";
  if (Object.keys(errors).length > 0) throw validationError(errors);
  const [to, cc, bcc] = [lists.to, lists.cc, lists.bcc].map((l) => (l.ok ? l.value : []));

  transaction(ctx.db, (tx) => {
    const at = ctx.clock.now();
    const current = tx.select({ passwordSealed: emailConfig.passwordSealed }).from(emailConfig).where(eq(emailConfig.id, EMAIL_CONFIG_ROW)).get();
    const passwordSealed = input.passwordAction === "set" ? ctx.instanceKey.seal(input.password) : input.passwordAction === "remove" ? null : (current?.passwordSealed ?? null);
    const values = {
      host,
      port: Number(port),
      security: input.security as (typeof SMTP_SECURITY)[number],
      user: input.user.trim(),
      passwordSealed,
      fromAddress: from,
      to: to!.join("; "),
      cc: cc!.join("; "),
      bcc: bcc!.join("; "),
      updatedAt: at.getTime(),
    };
    tx.insert(emailConfig)
      .values({ id: EMAIL_CONFIG_ROW, ...values })
      .onConflictDoUpdate({ target: emailConfig.id, set: values })
      .run();
    const { passwordSealed: _sealed, updatedAt: _at, ...shown } = values;
    recordAuditEvent(tx, at, ctx.actor, "email-config.changed", { ...shown, password: input.passwordAction === "keep" ? "kept" : input.passwordAction === "set" ? "changed" : "removed" });
  });
}
