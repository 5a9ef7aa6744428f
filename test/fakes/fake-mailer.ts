import type { MailMessage, Mailer, SendResult } from "../../src/mail/mailer";

/** Records what was sent; `refuseWith(error)` makes every later send come back refused. */
export class FakeMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  #refusal: string | null = null;

  refuseWith(error: string | null): void {
    this.#refusal = error;
  }

  async send(message: MailMessage): Promise<SendResult> {
    if (this.#refusal !== null) return { accepted: false, error: this.#refusal };
    this.sent.push(structuredClone(message));
    return { accepted: true, response: "250 OK (fake)", messageId: `<fake-${this.sent.length}@lts.test>` };
  }
}
