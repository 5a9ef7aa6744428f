// Email Config in a real browser: the compiled binary (npm run build) and Debian's chromium fill in
// the form pointing at this test's SMTP server on 127.0.0.1, send the test email, and the message
// arrives there. Any CSP violation, script error or failed request fails the test.
import { afterAll, expect } from "bun:test";
import { browserTest, openPortalSession, screenshot, setPasswordAndLogIn, type PortalSession } from "../helpers/browser-watch";
import { decodeHeader, headers, startSmtpServer } from "../helpers/smtp";

const PASSWORD = "email horse battery staple";
const SMTP_PASSWORD = "smtp-secret-e2e";

let session: PortalSession | undefined;
afterAll(() => session?.close());

browserTest(
  "fill Email Config, send the test email, and it arrives at the SMTP server",
  async () => {
    const smtp = await startSmtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === "lts" && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
        else callback(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
      },
    });
    session = await openPortalSession();
    const { server, page, problems, base, at } = session;

    await page.goto(`${base}/setup`);
    await setPasswordAndLogIn(page, at, server.setupToken!, PASSWORD);

    await page.locator("nav.sidebar ul.menu").getByRole("link", { name: "Email Config", exact: true }).click();
    await page.waitForURL(at("/email-config"));

    // A bad port first: the form answers in place, keeping what was typed.
    await page.fill('input[name="host"]', "127.0.0.1");
    await page.fill('input[name="port"]', "99999");
    await page.selectOption('select[name="security"]', "none");
    await page.fill('input[name="user"]', "lts");
    await page.check('input[name="passwordAction"][value="set"]');
    await page.fill('input[name="password"]', SMTP_PASSWORD);
    await page.fill('input[name="fromAddress"]', "lts@example.test");
    await page.fill('input[name="to"]', "ops@example.test; admin@example.test");
    await page.getByRole("button", { name: "Save email settings" }).click();
    await page.locator("#field-port-error").waitFor();
    expect(await page.inputValue('input[name="to"]')).toBe("ops@example.test; admin@example.test");

    await page.fill('input[name="port"]', String(smtp.port));
    await page.check('input[name="passwordAction"][value="set"]');
    await page.fill('input[name="password"]', SMTP_PASSWORD);
    await page.getByRole("button", { name: "Save email settings" }).click();
    await page.waitForURL(at("/email-config?saved=email"));
    expect(await page.locator("#smtp-password-state").innerText()).toContain("Set.");
    expect(await page.content()).not.toContain(SMTP_PASSWORD);

    await page.getByRole("button", { name: "Send test email" }).click();
    const result = page.locator("#test-email-result");
    await result.waitFor();
    expect(await result.innerText()).toMatch(/^Sent\. The SMTP server answered: 250/);
    await screenshot(page, "email-config.png");

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.user).toBe("lts");
    expect(mail.rcptTo.toSorted()).toEqual(["admin@example.test", "ops@example.test"]);
    expect(decodeHeader(headers(mail.raw).subject!)).toBe("LTS test email");
    expect(problems).toEqual([]);
  },
  90_000,
);
