/** One email. Bcc recipients receive it without appearing in its headers. */
export interface MailMessage {
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  subject: string;
  text: string;
  html?: string;
  /** The Message-ID header, e.g. "<outbox-7.abc@lts>"; absent = a new one per send. A stable one lets receivers drop a repeat. */
  messageId?: string;
}

/**
 * What became of a message. A refusal (by the server, or no server to talk to) is a value: the
 * caller records it and tries again later; `send` throws only on a programming error.
 */
export type SendResult =
  | {
      accepted: true;
      /** The SMTP server's final answer, e.g. "250 OK: queued as 1234". */
      response: string;
      messageId?: string;
      /** Recipients the server refused while it accepted the others (absent when none). */
      rejected?: string[];
    }
  | {
      accepted: false;
      /** The SMTP server's answer, or what went wrong: refused, timed out, TLS, authentication. */
      error: string;
    };

/** The mail port: services and jobs send through it; tests inject test/fakes/fake-mailer.ts. */
export interface Mailer {
  send(message: MailMessage): Promise<SendResult>;
}

/** How to reach the SMTP server. "none" never upgrades; "starttls" insists on STARTTLS; "tls" is TLS from the first byte. */
export interface SmtpSettings {
  host: string;
  port: number;
  security: "none" | "starttls" | "tls";
  user?: string;
  password?: string;
}

/** How long to wait, in milliseconds, before a send gives up with "timed out". */
export interface SmtpTimeouts {
  /** For the TCP (and TLS) connection to be established. */
  connectionMs: number;
  /** For the server's greeting once connected. */
  greetingMs: number;
  /** For any answer once the conversation has started. */
  socketMs: number;
}

export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectionMs: 5_000, greetingMs: 5_000, socketMs: 10_000 };
