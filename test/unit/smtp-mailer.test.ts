import { describe, expect, test } from "bun:test";
import type { SMTPServerOptions } from "smtp-server";
import { SmtpMailer } from "../../src/mail/smtp-mailer";
import type { MailMessage, SmtpSettings } from "../../src/mail/mailer";
import { FakeMailer } from "../fakes/fake-mailer";
import { closedPort, headers, smtpError, startSilentServer, startSmtpServer } from "../helpers/smtp";

/** A real SMTP server on 127.0.0.1 (test/helpers/smtp.ts) and the mailer settings that reach it. */
async function smtpServer(options: SMTPServerOptions = {}) {
  const server = await startSmtpServer(options);
  return { ...server, settings: { host: "127.0.0.1", port: server.port, security: "none" } as SmtpSettings };
}

const MESSAGE: MailMessage = {
  from: "lts@example.test",
  to: ["ops@example.test", "admin@example.test"],
  cc: ["boss@example.test"],
  bcc: ["audit@example.test"],
  subject: "Licence pool nearly exhausted",
  text: "Seats in use: 95 of 100.",
  html: "<p>Seats in use: <b>95</b> of 100.</p>",
};

describe("SmtpMailer against a real SMTP server", () => {
  test("delivers the message with its From, To, Cc and Subject headers and its text", async () => {
    const smtp = await smtpServer();
    const result = await new SmtpMailer(smtp.settings).send(MESSAGE);

    expect(result).toMatchObject({ accepted: true, response: expect.stringMatching(/^250/), messageId: expect.stringMatching(/^<.+>$/) });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.from).toBe("lts@example.test");
    const h = headers(mail.raw);
    expect(h.from).toBe("lts@example.test");
    expect(h.to).toBe("ops@example.test, admin@example.test");
    expect(h.cc).toBe("boss@example.test");
    expect(h.subject).toBe("Licence pool nearly exhausted");
    expect(mail.raw).toContain("Seats in use: 95 of 100.");
    expect(mail.raw).toContain("<b>95</b>");
  });

  test("bcc recipients receive the message but appear in no header", async () => {
    const smtp = await smtpServer();
    await new SmtpMailer(smtp.settings).send(MESSAGE);

    const mail = smtp.received[0]!;
    expect(mail.rcptTo.toSorted()).toEqual(["admin@example.test", "audit@example.test", "boss@example.test", "ops@example.test"]);
    expect(headers(mail.raw).bcc).toBeUndefined();
    expect(mail.raw).not.toContain("audit@example.test");
  });

  test("logs in with the configured user and password", async () => {
    const smtp = await smtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === "lts" && auth.password === "s3cret-pass") callback(null, { user: auth.username });
        else callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
      },
    });

    const ok = await new SmtpMailer({ ...smtp.settings, user: "lts", password: "s3cret-pass" }).send(MESSAGE);
    expect(ok.accepted).toBe(true);
    expect(smtp.received[0]!.user).toBe("lts");

    const wrong = await new SmtpMailer({ ...smtp.settings, user: "lts", password: "wrong-pass" }).send(MESSAGE);
    expect(wrong).toEqual({ accepted: false, error: expect.stringMatching(/^Authentication failed at 127\.0\.0\.1:\d+: 535 5\.7\.8 Authentication credentials invalid/) });
    expect(JSON.stringify(wrong)).not.toContain("wrong-pass");
    expect(smtp.received).toHaveLength(1);
  });

  test("a recipient refused with 550 gives accepted: false with the server's answer", async () => {
    const smtp = await smtpServer({ onRcptTo: (_address, _session, callback) => callback(smtpError(550, "5.1.1 No such mailbox")) });
    const result = await new SmtpMailer(smtp.settings).send({ ...MESSAGE, to: ["nobody@example.test"], cc: [], bcc: [] });

    expect(result).toEqual({ accepted: false, error: `The SMTP server at 127.0.0.1:${smtp.settings.port} refused the message at RCPT TO: 550 5.1.1 No such mailbox` });
    expect(smtp.received).toEqual([]);
  });

  test("a recipient refused while others are accepted is delivered to the others and named", async () => {
    const smtp = await smtpServer({
      onRcptTo: (address, _session, callback) => callback(address.address === "boss@example.test" ? smtpError(550, "5.1.1 No such mailbox") : null),
    });
    const result = await new SmtpMailer(smtp.settings).send(MESSAGE);

    expect(result).toMatchObject({ accepted: true, rejected: ["boss@example.test"] });
    expect(smtp.received[0]!.rcptTo).not.toContain("boss@example.test");
  });

  test("a message refused with 451 at DATA gives accepted: false with the server's answer", async () => {
    const smtp = await smtpServer({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on("end", () => callback(smtpError(451, "4.3.0 Mail server temporarily rejected message")));
      },
    });
    const result = await new SmtpMailer(smtp.settings).send(MESSAGE);

    expect(result).toEqual({ accepted: false, error: `The SMTP server at 127.0.0.1:${smtp.settings.port} refused the message at DATA: 451 4.3.0 Mail server temporarily rejected message` });
  });

  test("a closed port gives a 'refused' error", async () => {
    const port = await closedPort();
    const result = await new SmtpMailer({ host: "127.0.0.1", port, security: "none" }).send(MESSAGE);

    expect(result).toEqual({ accepted: false, error: `Connection refused by 127.0.0.1:${port}: is the SMTP server running, and are host and port right?` });
  });

  test("a server that never greets gives a timeout error", async () => {
    const port = await startSilentServer();
    const result = await new SmtpMailer({ host: "127.0.0.1", port, security: "none" }, { greetingMs: 300 }).send(MESSAGE);

    expect(result).toEqual({ accepted: false, error: expect.stringMatching(new RegExp(`^Timed out talking to 127\\.0\\.0\\.1:${port}: Greeting never received`)) });
  });

  test("keeps the password out of its own JSON and string forms", () => {
    const mailer = new SmtpMailer({ host: "127.0.0.1", port: 25, security: "starttls", user: "lts", password: "s3cret-pass" });
    expect(JSON.stringify(mailer)).not.toContain("s3cret-pass");
    expect(Bun.inspect(mailer)).not.toContain("s3cret-pass");
  });
});

describe("FakeMailer", () => {
  test("records what it was given, and refuses when told to", async () => {
    const mailer = new FakeMailer();
    expect(await mailer.send(MESSAGE)).toMatchObject({ accepted: true });
    mailer.refuseWith("550 5.1.1 No such mailbox");
    expect(await mailer.send(MESSAGE)).toEqual({ accepted: false, error: "550 5.1.1 No such mailbox" });
    expect(mailer.sent).toEqual([MESSAGE]);
  });
});
