import { describe, expect, test } from "bun:test";
import { outbox } from "../../src/db/schema";
import { systemContext } from "../../src/deps";
import { SmtpMailer } from "../../src/mail/smtp-mailer";
import { deliverOutbox, lastMailError, outboxDepth, retryDelayMs, runAlerts, GIVE_UP_AFTER_MS } from "../../src/services/alerts";
import { saveEmailConfig } from "../../src/services/email-config";
import { composeAlertEmail } from "../../templates/emails/alert-email";
import { apiWorld, CODE, deviceId } from "../helpers/api";
import { closedPort, headers, smtpError, startDroppingServer, startSilentServer, startSmtpServer } from "../helpers/smtp";
import type { World } from "../helpers/world";
import type { MailerFactory } from "../../src/services/context";
import { FakeMailer } from "../fakes/fake-mailer";
import { authorizationCounts } from "../../src/db/schema";
import { slotOf } from "../../src/domain/slots";

const FAST: MailerFactory = (s) => new SmtpMailer(s, { connectionMs: 400, greetingMs: 400, socketMs: 800 });
const admin = (w: World) => ({ db: w.db, clock: w.clock, actor: { kind: "admin" as const, ip: null }, instanceKey: w.deps.instanceKey });
const MINUTE = 60_000;

/** Points the Email Config at 127.0.0.1:port. */
function configure(w: World, port: number) {
  saveEmailConfig(admin(w), { host: "127.0.0.1", port: String(port), security: "none", fromAddress: "lts@example.test", to: "ops@example.test" });
}

/** A world (the client API's, one scan item on CODE) whose jobs mail through `mailerFor`, with one alert queued. */
async function queuedWorld(port: number, mailerFor: MailerFactory = FAST) {
  const api = await apiWorld();
  const { w } = api;
  w.deps.mailerFor = mailerFor;
  configure(w, port);
  const ctx = systemContext(w.deps);
  w.db.insert(authorizationCounts).values({ code: CODE, slot: slotOf(w.clock.now().getTime()), granted: 0, refused: 30 }).run();
  const { queued } = runAlerts(ctx, composeAlertEmail);
  expect(queued).not.toBeNull();
  const row = () => w.db.select().from(outbox).get()!;
  return { ...api, ctx, row };
}

describe("outbox", () => {
  test("retry delays double from 1 minute and stop growing at 1 hour", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => retryDelayMs(n) / MINUTE)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60]);
  });

  test("SMTP refusing connections: the message waits, retried with back-off, and arrives exactly once when SMTP is back", async () => {
    const port = await closedPort();
    const { w, ctx, row } = await queuedWorld(port);

    expect(await deliverOutbox(ctx)).toEqual({ sent: 0, failed: 0, deferred: 1 });
    expect(row()).toMatchObject({ status: "pending", attempts: 1, lastError: `Connection refused by 127.0.0.1:${port}: is the SMTP server running, and are host and port right?`, nextAttemptAt: w.clock.now().getTime() + MINUTE });
    expect(lastMailError(ctx)).toMatchObject({ error: expect.stringContaining("Connection refused"), recovered: false });
    expect(outboxDepth(ctx)).toBe(1);

    expect(await deliverOutbox(ctx)).toEqual({ sent: 0, failed: 0, deferred: 0 }); // not due yet
    w.clock.advance(MINUTE);
    await deliverOutbox(ctx);
    expect(row()).toMatchObject({ status: "pending", attempts: 2, nextAttemptAt: w.clock.now().getTime() + 2 * MINUTE });

    const smtp = await startSmtpServer({}, port); // SMTP is back on the same port
    w.clock.advance(2 * MINUTE);
    expect(await deliverOutbox(ctx)).toEqual({ sent: 1, failed: 0, deferred: 0 });
    w.clock.advance(60 * MINUTE);
    await deliverOutbox(ctx);
    expect(smtp.received).toHaveLength(1);
    expect(row()).toMatchObject({ status: "sent", attempts: 3 });
    expect(lastMailError(ctx)!.recovered).toBe(true);
    expect(outboxDepth(ctx)).toBe(0);
  });

  test("SMTP stalling (greeting never sent): a timeout, then delivered once SMTP answers", async () => {
    const { w, ctx, row } = await queuedWorld(await startSilentServer());
    await deliverOutbox(ctx);
    expect(row()).toMatchObject({ status: "pending", lastError: expect.stringMatching(/^Timed out talking to 127\.0\.0\.1:\d+: Greeting never received/) });

    const smtp = await startSmtpServer();
    configure(w, smtp.port);
    w.clock.advance(MINUTE);
    await deliverOutbox(ctx);
    await deliverOutbox(ctx);
    expect(smtp.received).toHaveLength(1);
    expect(row().status).toBe("sent");
  });

  test("SMTP answering 451 for a while: retried until accepted, received exactly once", async () => {
    let refusals = 2;
    const smtp = await startSmtpServer({
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          if (refusals-- > 0) return callback(smtpError(451, "4.3.0 Try again later"));
          smtp.received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", rcptTo: [], user: undefined, raw: Buffer.concat(chunks).toString("utf8") });
          callback();
        });
      },
    });
    const { w, ctx, row } = await queuedWorld(smtp.port);
    await deliverOutbox(ctx);
    expect(row()).toMatchObject({ status: "pending", lastError: expect.stringContaining("451 4.3.0 Try again later") });
    for (const wait of [1, 2, 4]) {
      w.clock.advance(wait * MINUTE);
      await deliverOutbox(ctx);
    }
    expect(smtp.received).toHaveLength(1);
    expect(row()).toMatchObject({ status: "sent", attempts: 3 });
  });

  test("the connection dropped mid-DATA: nothing was accepted, so it is sent again, once", async () => {
    const dropping = await startDroppingServer();
    const { w, ctx, row } = await queuedWorld(dropping.port);
    await deliverOutbox(ctx);
    expect(dropping.drops()).toBe(1);
    expect(row()).toMatchObject({ status: "pending", attempts: 1, lastError: expect.any(String) });

    const smtp = await startSmtpServer();
    configure(w, smtp.port);
    w.clock.advance(MINUTE);
    await deliverOutbox(ctx);
    await deliverOutbox(ctx);
    expect(smtp.received).toHaveLength(1);
  });

  test("a crash mid-send (row left 'sending') sends it again with the same Message-ID, so receivers can drop the repeat", async () => {
    const smtp = await startSmtpServer();
    const { w, ctx, row } = await queuedWorld(smtp.port);
    await deliverOutbox(ctx);
    const first = headers(smtp.received[0]!.raw)["message-id"];
    w.db.update(outbox).set({ status: "sending" }).run(); // as if the process died before marking it sent
    await deliverOutbox(ctx);
    expect(smtp.received).toHaveLength(2);
    expect(headers(smtp.received[1]!.raw)["message-id"]).toBe(first!);
    expect(row().status).toBe("sent");
  });

  test("a message never accepted for 3 days is given up as failed", async () => {
    const mailer = new FakeMailer();
    mailer.refuseWith("421 4.4.2 Service not available");
    const { w, ctx, row } = await queuedWorld(25, () => mailer);
    while (row().status === "pending") {
      w.clock.set(new Date(row().nextAttemptAt));
      await deliverOutbox(ctx);
    }
    expect(row()).toMatchObject({ status: "failed", lastError: "421 4.4.2 Service not available" });
    expect(w.clock.now().getTime() - row().createdAt).toBeGreaterThanOrEqual(GIVE_UP_AFTER_MS);
    expect(row().attempts).toBeLessThan(80); // back-off, not a retry every 30 s
    expect(outboxDepth(ctx)).toBe(0);
  });

  test("without an Email Config the message waits, saying what to do", async () => {
    const api = await apiWorld();
    const ctx = systemContext(api.w.deps);
    api.w.db.insert(authorizationCounts).values({ code: CODE, slot: slotOf(api.w.clock.now().getTime()), granted: 0, refused: 30 }).run();
    runAlerts(ctx, composeAlertEmail);
    await deliverOutbox(ctx);
    expect(api.w.db.select().from(outbox).get()).toMatchObject({ status: "pending", lastError: expect.stringContaining("open Email Config") });
  });

  test("the API answers as fast while SMTP stalls and the outbox waits on it (ratio, same test)", async () => {
    const stalled = await startSilentServer();
    const slow: MailerFactory = (s) => new SmtpMailer(s, { connectionMs: 3_000, greetingMs: 3_000, socketMs: 3_000 });
    const { ctx, authorize } = await queuedWorld(stalled, slow);
    const batch = async () => {
      const started = performance.now();
      for (let i = 0; i < 40; i++) expect((await authorize({ device: { uuid: deviceId(1 + (i % 5)) } })).status).toBe(200);
      return performance.now() - started;
    };
    const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await batch(); // warm-up
    const without = median([await batch(), await batch(), await batch()]);

    const delivery = deliverOutbox(ctx); // now waiting on the silent server
    let settled = false;
    void delivery.then(() => (settled = true));
    const withFault = median([await batch(), await batch(), await batch()]);
    expect(settled).toBe(false); // the fault was active during every batch

    expect(withFault).toBeLessThan(without * 3);
    await delivery;
  }, 30_000);
});
