import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { allowanceUsage, alertState, authorizationCounts, itemCounters, licenseItems, outbox } from "../../src/db/schema";
import { systemContext } from "../../src/deps";
import { SLOT_MS, slotOf } from "../../src/domain/slots";
import { Scheduler, alertsJob, outboxJob } from "../../src/jobs";
import { SmtpMailer } from "../../src/mail/smtp-mailer";
import { deliverOutbox, outboxDepth, runAlerts, saveAlertRules, setAlertMute } from "../../src/services/alerts";
import { saveEmailConfig } from "../../src/services/email-config";
import { composeAlertEmail } from "../../templates/emails/alert-email";
import { CODE, importLicense, itemOf, type ItemSpec } from "../helpers/api";
import { withMachineUuid } from "../helpers/licenses";
import { decodeHeader, headers, plainText, startSmtpServer } from "../helpers/smtp";
import { createWorld, TEST_INSTANCE_KEY, type World } from "../helpers/world";

const admin = (w: World) => ({ db: w.db, clock: w.clock, actor: { kind: "admin" as const, ip: null }, instanceKey: w.deps.instanceKey });

/** A world whose Email Config points at a real SMTP server on 127.0.0.1, with `items` on CODE. */
async function alertWorld(items: ItemSpec[]) {
  const smtp = await startSmtpServer();
  const w = createWorld({ mailerFor: (s) => new SmtpMailer(s, { connectionMs: 1000, greetingMs: 1000, socketMs: 2000 }) });
  const uuid = await withMachineUuid(w);
  importLicense(w, uuid, { items: items.map(itemOf) });
  saveEmailConfig(admin(w), {
    host: "127.0.0.1",
    port: String(smtp.port),
    security: "none",
    fromAddress: "lts@example.test",
    to: "ops@example.test; admin@example.test",
    cc: "boss@example.test",
    bcc: "audit@example.test",
  });
  const ctx = systemContext(w.deps);
  /** One engine run, then the outbox delivered (what the alerts job does). */
  const run = async () => {
    const result = runAlerts(ctx, composeAlertEmail);
    await deliverOutbox(ctx);
    return result;
  };
  return { w, uuid, smtp, ctx, run };
}

const rowIdOf = (w: World, itemId: string) => w.db.select().from(licenseItems).where(eq(licenseItems.itemId, itemId)).get()!.id;

/** Sets the units an item consumed (what the client API's reports add up to). */
function consumed(w: World, itemId: string, n: number) {
  const itemRowId = rowIdOf(w, itemId);
  w.db.insert(itemCounters).values({ itemRowId, consumed: n }).onConflictDoUpdate({ target: itemCounters.itemRowId, set: { consumed: n } }).run();
}

/** Counts authorizations of CODE in the clock's current slot. */
function authorizations(w: World, granted: number, refused: number) {
  w.db.insert(authorizationCounts).values({ code: CODE, slot: slotOf(w.clock.now().getTime()), granted, refused }).run();
}

const SCAN = (quantity: number, extra: Partial<ItemSpec> = {}): ItemSpec => ({ chargeWay: "scan", quantity, ...extra });

describe("alert engine", () => {
  test("three crossings in one run send ONE email listing all three, with the right headers and links", async () => {
    const { w, smtp, run } = await alertWorld([SCAN(10), { chargeWay: "page", quantity: 100 }, SCAN(1000, { expiresAt: "2026-12-20T00:00:00.000Z" })]);
    consumed(w, "2000001", 10);
    consumed(w, "2000002", 65);

    const result = await run();

    expect(result.conditions.map((c) => [c.rule, c.level])).toEqual([
      ["item-quota", 100],
      ["item-quota", 60],
      ["expiry", 30],
    ]);
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    const h = headers(mail.raw);
    expect(h.from).toBe("lts@example.test");
    expect(h.to).toBe("ops@example.test, admin@example.test");
    expect(h.cc).toBe("boss@example.test");
    expect(h.bcc).toBeUndefined();
    expect(mail.rcptTo.toSorted()).toEqual(["admin@example.test", "audit@example.test", "boss@example.test", "ops@example.test"]);
    expect(decodeHeader(h.subject!)).toStartWith("LTS alert: 3 conditions met — Item 2000001 (scan item) of license 1000001 at 100 % and 2 more");
    expect(h["message-id"]).toBe(`<outbox-${result.queued}.${TEST_INSTANCE_KEY.kid}@lts.invalid>`);
    const text = plainText(mail.raw);
    expect(text).toContain("Item 2000001 (scan item) of license 1000001: 100 % of its quota used (level 100 %) — 10 of 10 scans used");
    expect(text).toContain("Item 2000002 (page item) of license 1000001: 65 % of its quota used (level 60 %) — 65 of 100 pages used");
    expect(text).toContain("Item 2000003 (scan item) of license 1000001: expires in 22 days (level 30 days) — expires 2026-12-20");
    expect(text).toContain(`http://192.0.2.44:48080/statistics/item/${rowIdOf(w, "2000001")}`);
    expect(mail.raw).toContain("text/html");
    expect(w.db.select().from(outbox).get()).toMatchObject({ status: "sent", attempts: 1, response: expect.stringMatching(/^250/) });
  });

  test("repeated runs send nothing new while nothing crosses a new level", async () => {
    const { w, smtp, run } = await alertWorld([SCAN(10)]);
    consumed(w, "2000001", 7);
    await run();
    for (let i = 0; i < 3; i++) {
      w.clock.advance(10 * 60_000);
      expect((await run()).conditions).toEqual([]);
    }
    consumed(w, "2000001", 7);
    expect(smtp.received).toHaveLength(1);
    expect(w.db.select().from(outbox).all()).toHaveLength(1);

    consumed(w, "2000001", 8);
    expect((await run()).conditions.map((c) => c.level)).toEqual([80]);
    expect(smtp.received).toHaveLength(2);
  });

  test("failed authorizations: a level fires once, re-arms when the share falls back, and fires again", async () => {
    const { w, smtp, run } = await alertWorld([SCAN(1000)]);
    authorizations(w, 15, 10); // 40 % of 25
    expect((await run()).conditions.map((c) => [c.subject, c.level, c.value])).toEqual([[CODE, 40, 40]]);
    expect(plainText(smtp.received[0]!.raw)).toContain(`Handshake code ${CODE}: 40 % of authorizations failed (level 40 %) — 10 of 25 authorizations refused in the last 60 minutes`);
    expect(plainText(smtp.received[0]!.raw)).toContain(`http://192.0.2.44:48080/statistics/code/${CODE}?metric=authorizations`);
    expect((await run()).conditions).toEqual([]);

    w.clock.advance(61 * 60_000); // the window has moved past them: below every level
    expect((await run()).conditions).toEqual([]);
    expect(w.db.select().from(alertState).all()).toEqual([]);

    authorizations(w, 15, 10);
    expect((await run()).conditions.map((c) => c.level)).toEqual([40]);
    expect(smtp.received).toHaveLength(2);
  });

  test("a code is judged from 20 attempts on: 1 refusal of 1 is not 100 %", async () => {
    const { w, smtp, run } = await alertWorld([SCAN(1000)]);
    authorizations(w, 0, 19);
    expect((await run()).conditions).toEqual([]);
    w.db.update(authorizationCounts).set({ refused: 20 }).run();
    expect((await run()).conditions.map((c) => c.level)).toEqual([100]);
    expect(smtp.received).toHaveLength(1);
  });

  test("counts the failures of the last 60 minutes only", async () => {
    const { w, run } = await alertWorld([SCAN(1000)]);
    const now = slotOf(w.clock.now().getTime());
    w.db.insert(authorizationCounts).values({ code: CODE, slot: now - 20 * SLOT_MS, granted: 0, refused: 100 }).run();
    w.db.insert(authorizationCounts).values({ code: CODE, slot: now - 19 * SLOT_MS, granted: 30, refused: 0 }).run();
    expect((await run()).conditions).toEqual([]);
  });

  test("a new license that raises the quota re-arms the level it fired at", async () => {
    const { w, uuid, smtp, run } = await alertWorld([SCAN(10)]);
    consumed(w, "2000001", 8);
    expect((await run()).conditions.map((c) => c.level)).toEqual([80]);
    consumed(w, "2000001", 9);
    expect((await run()).conditions).toEqual([]);

    importLicense(w, uuid, { issuedAt: "2026-11-20T00:00:00.000Z", items: [itemOf(SCAN(12))] }); // a newer file: the same item, now 12
    consumed(w, "2000001", 10); // 83 %: the 80 % level again, of the new quota
    const again = await run();
    expect(again.conditions.map((c) => [c.level, c.detail])).toEqual([[80, "10 of 12 scans used"]]);
    expect(smtp.received).toHaveLength(2);
  });

  test("concurrent items are judged by the share of this license year's overuse allowance drawn", async () => {
    const { w, run } = await alertWorld([{ chargeWay: "concurrent-device", quantity: 5 }]);
    w.db.insert(allowanceUsage).values({ itemRowId: rowIdOf(w, "2000001"), licenseYear: 0, used: 3000 }).run();
    expect((await run()).conditions.map((c) => [c.level, c.detail])).toEqual([[60, "3000 of 5000 extra seat-slots of this license year's overuse allowance drawn"]]);
  });

  test("a rule switched off globally, or for one item, sends nothing for it", async () => {
    const { w, smtp, run } = await alertWorld([SCAN(10), SCAN(10)]);
    consumed(w, "2000001", 10);
    consumed(w, "2000002", 10);
    setAlertMute(admin(w), { rule: "item-quota", subject: String(rowIdOf(w, "2000001")), muted: true });
    expect((await run()).conditions.map((c) => c.subject)).toEqual([String(rowIdOf(w, "2000002"))]);

    saveAlertRules(admin(w), { itemQuotaEnabled: false, itemQuotaLevels: "60, 80, 100", codeFailuresEnabled: true, codeFailuresLevels: "10", expiryEnabled: true, expiryLevels: "30" });
    setAlertMute(admin(w), { rule: "item-quota", subject: String(rowIdOf(w, "2000001")), muted: false });
    expect((await run()).conditions).toEqual([]);
    expect(smtp.received).toHaveLength(1);
  });

  test("edited levels apply at the next run", async () => {
    const { w, run } = await alertWorld([SCAN(100)]);
    consumed(w, "2000001", 50);
    expect((await run()).conditions).toEqual([]);
    saveAlertRules(admin(w), { itemQuotaEnabled: true, itemQuotaLevels: "50;90", codeFailuresEnabled: true, codeFailuresLevels: "10", expiryEnabled: true, expiryLevels: "30" });
    expect((await run()).conditions.map((c) => c.level)).toEqual([50]);
  });

  test("the jobs, driven by the scheduler on a ManualClock: the check every 10 minutes, then the mail", async () => {
    const { w, smtp, ctx } = await alertWorld([SCAN(10)]);
    consumed(w, "2000001", 10);
    const scheduler = new Scheduler(w.clock, w.logger);
    scheduler.add(alertsJob({ ...ctx, logger: w.logger }, { intervalMs: 10 * 60_000, compose: composeAlertEmail }));
    scheduler.add(outboxJob({ ...ctx, logger: w.logger }));
    w.clock.advance(9 * 60_000);
    expect(w.db.select().from(outbox).all()).toEqual([]);
    w.clock.advance(60_000);
    await scheduler.stop(); // waits for the running jobs
    expect(smtp.received).toHaveLength(1);
    expect(outboxDepth(ctx)).toBe(0);
  });
});
