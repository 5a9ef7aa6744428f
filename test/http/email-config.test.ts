import { describe, expect, test } from "bun:test";
import { alertMutes, auditEvents, emailConfig, licenseItems, outbox } from "../../src/db/schema";
import { CODE, importLicense, itemOf } from "../helpers/api";
import { withMachineUuid } from "../helpers/licenses";
import { systemContext } from "../../src/deps";
import { SmtpMailer } from "../../src/mail/smtp-mailer";
import { deliverOutbox } from "../../src/services/alerts";
import { Browser, setUpAndLogIn, textOf, type Page } from "../helpers/browser";
import { closedPort, decodeHeader, headers, startSmtpServer } from "../helpers/smtp";
import { createWorld } from "../helpers/world";

const SECRET = "smtp-pass-7f3a9c";

async function loggedIn() {
  const w = createWorld({ mailerFor: (s) => new SmtpMailer(s, { connectionMs: 1000, greetingMs: 1000, socketMs: 2000 }) });
  const admin = new Browser(w.app, "192.0.2.33");
  await setUpAndLogIn(admin, w.setupToken);
  return { ...w, admin };
}

const form = (port: number, extra: Record<string, string> = {}) => ({
  host: "127.0.0.1",
  port: String(port),
  security: "none",
  user: "",
  passwordAction: "keep",
  password: "",
  fromAddress: "lts@example.test",
  to: "ops@example.test; admin@example.test",
  cc: "boss@example.test",
  bcc: "",
  ...extra,
});

const value = (page: Page, name: string) => page.doc.querySelector(`[name="${name}"]`)?.getAttribute("value");

describe("Email Config", () => {
  test("shows the form with the menu entry marked, and defaults for the thresholds", async () => {
    const w = await loggedIn();
    const page = await w.admin.get("/email-config");
    expect(page.status).toBe(200);
    expect(textOf(page, "h1")).toBe("Email Config");
    expect(page.doc.querySelector('.menu a[aria-current="page"]')?.textContent).toBe("Email Config");
    expect(value(page, "itemQuotaLevels")).toBe("60, 80, 100");
    expect(value(page, "codeFailuresLevels")).toBe("10, 20, 40, 60, 80, 100");
    expect(value(page, "expiryLevels")).toBe("1, 7, 30");
    expect(textOf(page, "#test-email")).toContain("Save the settings above");
  });

  test("saves sender and receivers; the password is sealed, never shown back and never audited", async () => {
    const w = await loggedIn();
    const saved = await w.admin.post("/email-config", form(2525, { user: "lts", passwordAction: "set", password: SECRET }));
    expect(saved.header("hx-redirect")).toBe("/email-config?saved=email");

    const row = w.db.select().from(emailConfig).get()!;
    expect(row).toMatchObject({ host: "127.0.0.1", port: 2525, security: "none", user: "lts", to: "ops@example.test; admin@example.test", cc: "boss@example.test" });
    expect(row.passwordSealed).not.toContain(SECRET);
    expect(w.deps.instanceKey.unseal(row.passwordSealed!)).toBe(SECRET);
    const page = await w.admin.get("/email-config?saved=email");
    expect(page.text).not.toContain(SECRET);
    expect(textOf(page, "#smtp-password-state")).toBe("Set. It is stored encrypted and never shown.");
    expect(value(page, "to")).toBe("ops@example.test; admin@example.test");
    const audit = w.db.select().from(auditEvents).all().filter((e) => e.action === "email-config.changed");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).not.toContain(SECRET);
    expect(JSON.parse(audit[0]!.detail!)).toMatchObject({ host: "127.0.0.1", password: "changed" });
    expect(w.logger.lines.join("\n")).not.toContain(SECRET);

    await w.admin.post("/email-config", form(2525, { user: "lts", passwordAction: "keep" }));
    expect(w.db.select().from(emailConfig).get()!.passwordSealed).toBe(row.passwordSealed);
    await w.admin.post("/email-config", form(2525, { user: "lts", passwordAction: "remove" }));
    expect(w.db.select().from(emailConfig).get()!.passwordSealed).toBeNull();
  });

  for (const [what, fields, field] of [
    ["a malformed receiver among several", { to: "ops@example.test; not-an-address" }, "to"],
    ["a malformed cc", { cc: "boss@@example.test" }, "cc"],
    ["a port out of range", { port: "70000" }, "port"],
    ["a port that is no number", { port: "25a" }, "port"],
    ["CR/LF in the from address", { fromAddress: "lts@example.test\r\nBcc: victim@example.test" }, "fromAddress"],
    ["CR/LF in the host", { host: "smtp.example.com\r\nRCPT TO:<x@y.z>" }, "host"],
    ["CR/LF in the user", { user: "lts\nX-Injected: 1" }, "user"],
    ["no receiver", { to: " ; " }, "to"],
    ["an unknown security", { security: "ssl3" }, "security"],
  ] as const) {
    test(`refuses ${what}: 422 naming the field, values kept, nothing saved`, async () => {
      const w = await loggedIn();
      const page = await w.admin.post("/email-config", form(2525, fields as Record<string, string>));
      expect(page.status).toBe(422);
      expect(page.doc.querySelector(`#field-${field}-error, .field-invalid select[name="${field}"]`)).not.toBeNull();
      expect(value(page, "cc") ?? "").toBe((fields as Record<string, string>).cc ?? "boss@example.test");
      expect(w.db.select().from(emailConfig).all()).toEqual([]);
      expect(w.db.select().from(auditEvents).all().filter((e) => e.action === "email-config.changed")).toEqual([]);
    });
  }

  test("a plain (non-htmx) post with an error gets the whole page back with 422", async () => {
    const w = await loggedIn();
    const token = (await w.admin.get("/email-config")).doc.querySelector('input[name="_csrf"]')!.getAttribute("value")!;
    const page = await w.admin.post("/email-config", { ...form(0), _csrf: token }, { htmx: false });
    expect(page.status).toBe(422);
    expect(textOf(page, "h1")).toBe("Email Config");
    expect(textOf(page, "#field-port-error")).toContain("1 to 65535");
  });

  test("Send test email: it arrives at the SMTP server with the right headers, and the server's answer is shown", async () => {
    const w = await loggedIn();
    const smtp = await startSmtpServer();
    await w.admin.post("/email-config", form(smtp.port));
    const page = await w.admin.post("/email-config/test", {});
    expect(page.status).toBe(200);
    expect(textOf(page, "#test-email-result")).toMatch(/^Sent\. The SMTP server answered: 250/);
    expect(smtp.received).toHaveLength(1);
    const h = headers(smtp.received[0]!.raw);
    expect(h.from).toBe("lts@example.test");
    expect(h.to).toBe("ops@example.test, admin@example.test");
    expect(h.cc).toBe("boss@example.test");
    expect(decodeHeader(h.subject!)).toBe("LTS test email");
  });

  test("Send test email shows the exact error when SMTP refuses the connection", async () => {
    const w = await loggedIn();
    const port = await closedPort();
    await w.admin.post("/email-config", form(port));
    const page = await w.admin.post("/email-config/test", {});
    expect(textOf(page, "#test-email-result")).toBe(`Not sent: Connection refused by 127.0.0.1:${port}: is the SMTP server running, and are host and port right?`);
  });

  test("saves thresholds, and refuses bad levels with 422 keeping the values", async () => {
    const w = await loggedIn();
    const ok = await w.admin.post("/email-config/alert-rules", { itemQuotaEnabled: "on", itemQuotaLevels: "50, 90", codeFailuresLevels: "25", expiryEnabled: "on", expiryLevels: "14 3" });
    expect(ok.header("hx-redirect")).toBe("/email-config?saved=thresholds");
    const page = await w.admin.get("/email-config");
    expect(value(page, "itemQuotaLevels")).toBe("50, 90");
    expect(value(page, "expiryLevels")).toBe("3, 14");
    expect(page.doc.querySelector('input[name="codeFailuresEnabled"]')?.hasAttribute("checked")).toBe(false);

    const bad = await w.admin.post("/email-config/alert-rules", { itemQuotaEnabled: "on", itemQuotaLevels: "50, lots", codeFailuresLevels: "101", expiryLevels: "7" });
    expect(bad.status).toBe(422);
    expect(textOf(bad, "#field-itemQuotaLevels-error")).toContain("'lots' is not a whole number");
    expect(textOf(bad, "#field-codeFailuresLevels-error")).toContain("from 1 to 100");
    expect(value(bad, "itemQuotaLevels")).toBe("50, lots");
    expect(value((await w.admin.get("/email-config")), "itemQuotaLevels")).toBe("50, 90");
  });

  test("anonymous visitors are sent to log in and change nothing; a cross-site post is refused", async () => {
    const w = await loggedIn();
    const anonymous = new Browser(w.app);
    expect((await anonymous.get("/email-config")).header("location")).toMatch(/^\/login/);
    expect((await anonymous.get("/alert-history")).header("location")).toMatch(/^\/login/);
    expect((await anonymous.post("/email-config", form(25))).header("hx-redirect")).toMatch(/^\/login/);
    expect((await anonymous.post("/email-config/test", {})).header("hx-redirect")).toMatch(/^\/login/);
    const forged = await w.admin.post("/email-config", form(25), { htmx: false });
    expect(forged.status).toBe(403);
    expect(w.db.select().from(emailConfig).all()).toEqual([]);
  });
});

describe("per item and per code switches", () => {
  test("switch a rule off for one item and on again; the table comes back for htmx", async () => {
    const w = await loggedIn();
    importLicense(w, await withMachineUuid(w), { items: [itemOf({ chargeWay: "scan", quantity: 10 })] });
    const rowId = String(w.db.select().from(licenseItems).get()!.id);
    const page = await w.admin.get("/email-config");
    const button = page.doc.querySelector(`#alert-switches form[action="/email-config/alerts/item-quota/${rowId}/off"] button`);
    expect(button?.getAttribute("aria-checked")).toBe("true");
    expect(page.doc.querySelector(`#alert-switches form[action="/email-config/alerts/code-failures/${CODE}/off"]`)).not.toBeNull();

    const off = await w.admin.post(`/email-config/alerts/item-quota/${rowId}/off`, {});
    expect(off.status).toBe(200);
    expect(off.doc.querySelector(`#alert-switches form[action="/email-config/alerts/item-quota/${rowId}/on"] button`)?.getAttribute("aria-checked")).toBe("false");
    expect(w.db.select().from(alertMutes).all()).toMatchObject([{ rule: "item-quota", subject: rowId }]);
    await w.admin.post(`/email-config/alerts/item-quota/${rowId}/on`, {});
    expect(w.db.select().from(alertMutes).all()).toEqual([]);
    expect((await w.admin.post("/email-config/alerts/no-such-rule/1/off", {})).status).toBe(404);
  });
});

describe("Alert history and Home", () => {
  test("lists queued, sent and failed messages with why, paged; Home shows the last mail error", async () => {
    const w = await loggedIn();
    const port = await closedPort();
    await w.admin.post("/email-config", form(port));
    const at = w.clock.now().getTime();
    for (let i = 1; i <= 25; i++) w.db.insert(outbox).values({ createdAt: at + i, subject: `Alert ${i}`, text: "t", html: "<p>t</p>", summary: [`condition ${i}`], status: i === 1 ? "failed" : "pending", nextAttemptAt: at, lastError: i === 1 ? "given up" : null }).run();
    const ctx = systemContext(w.deps);
    await deliverOutbox(ctx);

    const first = await w.admin.get("/alert-history");
    expect(first.status).toBe(200);
    const rows = [...first.doc.querySelectorAll("#alert-history tbody tr")];
    expect(rows).toHaveLength(20);
    expect(rows[0]!.textContent).toContain("Alert 25");
    expect(textOf(first, "main")).toContain("Page 1 of 2");
    const second = await w.admin.get("/alert-history?page=2");
    const last = [...second.doc.querySelectorAll("#alert-history tbody tr")].at(-1)!;
    expect(last.textContent).toContain("Alert 1");
    expect(last.textContent).toContain("Failed");
    expect(last.textContent).toContain("given up");
    const tried = [...second.doc.querySelectorAll("#alert-history tbody tr")].find((tr) => tr.textContent?.includes("Alert 2"))!;
    expect(tried.textContent).toContain("Connection refused");
    expect(tried.textContent).toContain("Next attempt");

    const home = await w.admin.get("/");
    expect(textOf(home, "#last-mail-error")).toContain(`Alert emails cannot be sent (last try 2026-11-28 12:00 UTC): Connection refused by 127.0.0.1:${port}`);
  });

  test("Home shows no mail error while none happened", async () => {
    const w = await loggedIn();
    expect((await w.admin.get("/")).doc.querySelector("#last-mail-error")).toBeNull();
  });
});
