import type { Transporter } from "nodemailer";
import { DEFAULT_SMTP_TIMEOUTS, type MailMessage, type Mailer, type SendResult, type SmtpSettings, type SmtpTimeouts } from "./mailer";

/**
 * Sends through an SMTP server with nodemailer, loaded on the first send (STYLE.md "Hot paths").
 * One connection per message, no pool: mail is rare (alerts, tests of the settings). Nothing is
 * logged here; the password goes to the server's AUTH command only.
 */
export class SmtpMailer implements Mailer {
  readonly #settings: SmtpSettings;
  readonly #timeouts: SmtpTimeouts;
  #transport: Promise<Transporter> | null = null;

  constructor(settings: SmtpSettings, timeouts: Partial<SmtpTimeouts> = {}) {
    this.#settings = { ...settings };
    this.#timeouts = { ...DEFAULT_SMTP_TIMEOUTS, ...timeouts };
  }

  async send(message: MailMessage): Promise<SendResult> {
    const transport = await (this.#transport ??= this.#createTransport());
    try {
      const info = await transport.sendMail({
        from: message.from,
        to: message.to,
        cc: message.cc,
        bcc: message.bcc,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
      });
      const rejected = (info.rejected ?? []).map(String);
      return { accepted: true, response: info.response ?? "", messageId: info.messageId, ...(rejected.length > 0 ? { rejected } : {}) };
    } catch (error) {
      return { accepted: false, error: describeFailure(error, this.#settings) };
    }
  }

  async #createTransport(): Promise<Transporter> {
    const { createTransport } = await import("nodemailer");
    const { host, port, security, user, password } = this.#settings;
    return createTransport({
      host,
      port,
      secure: security === "tls",
      requireTLS: security === "starttls",
      ignoreTLS: security === "none",
      auth: user ? { user, pass: password ?? "" } : undefined,
      connectionTimeout: this.#timeouts.connectionMs,
      greetingTimeout: this.#timeouts.greetingMs,
      socketTimeout: this.#timeouts.socketMs,
      logger: false,
      debug: false,
    });
  }
}

interface SmtpError {
  code?: string;
  originalCode?: string;
  response?: string;
  command?: string;
  message?: string;
}

/** One line an operator can act on: what failed, where, and the server's own words when it answered. */
function describeFailure(error: unknown, settings: SmtpSettings): string {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as SmtpError;
  const where = `${settings.host}:${settings.port}`;
  const detail = e.response ?? e.message ?? "unknown error";
  if (e.code === "EAUTH") return `Authentication failed at ${where}: ${detail}`;
  if (e.code === "ETLS") return `TLS failed with ${where}: ${detail}`;
  if (e.code === "ETIMEDOUT") return `Timed out talking to ${where}: ${e.message}`;
  if (e.originalCode === "ECONNREFUSED" || /ECONNREFUSED/.test(e.message ?? "")) return `Connection refused by ${where}: is the SMTP server running, and are host and port right?`;
  if (e.response) return `The SMTP server at ${where} refused the message${e.command ? ` at ${e.command}` : ""}: ${e.response}`;
  return `Sending through ${where} failed: ${detail}`;
}
