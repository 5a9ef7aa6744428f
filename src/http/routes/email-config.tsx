import type { Hono } from "hono";
import type { Deps } from "../../deps";
import { AppError } from "../../domain/errors";
import { ALERT_RULES } from "../../db/schema";
import type { AlertRuleName } from "../../domain/alerts";
import { readAlertSettings, saveAlertRules, setAlertMute } from "../../services/alerts";
import type { ServiceContext } from "../../services/context";
import { readEmailConfig, saveEmailConfig, sendTestEmail } from "../../services/email-config";
import { listHandshakeCodes } from "../../services/handshake-codes";
import { listItems } from "../../services/items";
import {
  AlertRulesForm,
  AlertSwitches,
  EmailConfigForm,
  EmailConfigPage,
  TestEmail,
  type AlertRulesValues,
  type AlertSubjects,
  type EmailConfigPageProps,
  type EmailConfigValues,
  type TestEmailResult,
} from "../../../templates/pages/email-config/email-config-page";
import type { AppEnv } from "../env";
import { readForm, submitForm } from "../forms";
import { isHtmx, redirect, render } from "../render";

/**
 *   GET  /email-config                               sender, receivers, test, thresholds, switches
 *   POST /email-config                               save sender and receivers
 *   POST /email-config/test                          send a test email; shows the server's answer
 *   POST /email-config/alert-rules                   save the thresholds
 *   POST /email-config/alerts/:rule/:subject/on|off  switch a rule on or off for one item or code
 */
export function registerEmailConfigRoutes(app: Hono<AppEnv>, deps: Deps) {
  const page = (ctx: ServiceContext, over: Partial<EmailConfigPageProps> = {}, notice: { config?: string; rules?: string } = {}) => {
    const saved = readEmailConfig(ctx);
    return (
      <EmailConfigPage
        config={{ values: configValues(ctx), hasPassword: !!saved?.hasPassword, saved: !!saved, notice: notice.config }}
        rules={{ values: rulesValues(ctx), notice: notice.rules }}
        subjects={subjects(ctx)}
        {...over}
      />
    );
  };

  app.get("/email-config", (c) => {
    const q = c.req.query();
    return render(c, deps, page(c.var.ctx, {}, { config: q.saved === "email" ? "Email settings saved." : undefined, rules: q.saved === "thresholds" ? "Thresholds saved." : undefined }));
  });

  app.post("/email-config", async (c) => {
    const { password, ...form } = await readForm(c);
    const values: EmailConfigValues = {
      host: form.host ?? "",
      port: form.port ?? "",
      security: form.security ?? "starttls",
      user: form.user ?? "",
      passwordAction: form.passwordAction === "set" || form.passwordAction === "remove" ? form.passwordAction : "keep",
      fromAddress: form.fromAddress ?? "",
      to: form.to ?? "",
      cc: form.cc ?? "",
      bcc: form.bcc ?? "",
    };
    const hasPassword = () => !!readEmailConfig(c.var.ctx)?.hasPassword;
    const saved = () => !!readEmailConfig(c.var.ctx);
    return submitForm(
      c,
      deps,
      () => {
        saveEmailConfig(c.var.ctx, { ...values, password: password ?? "" });
        return redirect(c, deps, "/email-config?saved=email");
      },
      {
        page: (f) => page(c.var.ctx, { config: { values, hasPassword: hasPassword(), saved: saved(), ...f } }),
        fragment: (f) => <EmailConfigForm values={values} hasPassword={hasPassword()} saved={saved()} {...f} />,
      },
    );
  });

  app.post("/email-config/test", async (c) => {
    const result = await sendTestEmail(c.var.ctx);
    const shown: TestEmailResult = result.accepted ? { accepted: true, text: result.response } : { accepted: false, text: result.error };
    if (isHtmx(c)) return render(c, deps, <TestEmail saved result={shown} />);
    return render(c, deps, page(c.var.ctx, { test: shown }));
  });

  app.post("/email-config/alert-rules", async (c) => {
    const form = await readForm(c);
    const values: AlertRulesValues = {
      itemQuotaEnabled: form.itemQuotaEnabled === "on",
      itemQuotaLevels: form.itemQuotaLevels ?? "",
      codeFailuresEnabled: form.codeFailuresEnabled === "on",
      codeFailuresLevels: form.codeFailuresLevels ?? "",
      expiryEnabled: form.expiryEnabled === "on",
      expiryLevels: form.expiryLevels ?? "",
    };
    return submitForm(
      c,
      deps,
      () => {
        saveAlertRules(c.var.ctx, values);
        return redirect(c, deps, "/email-config?saved=thresholds");
      },
      { page: (f) => page(c.var.ctx, { rules: { values, ...f } }), fragment: (f) => <AlertRulesForm values={values} {...f} /> },
    );
  });

  app.post("/email-config/alerts/:rule/:subject/:state{on|off}", (c) => {
    const rule = c.req.param("rule");
    if (!(ALERT_RULES as readonly string[]).includes(rule)) throw new AppError("NOT_FOUND", `There is no alert rule '${rule.slice(0, 40)}'.`);
    setAlertMute(c.var.ctx, { rule: rule as AlertRuleName, subject: c.req.param("subject"), muted: c.req.param("state") === "off" });
    if (isHtmx(c)) return render(c, deps, <AlertSwitches subjects={subjects(c.var.ctx)} />);
    return redirect(c, deps, "/email-config");
  });
}

function configValues(ctx: ServiceContext): EmailConfigValues {
  const saved = readEmailConfig(ctx);
  if (!saved) return { host: "", port: "587", security: "starttls", user: "", passwordAction: "keep", fromAddress: "", to: "", cc: "", bcc: "" };
  return {
    host: saved.host,
    port: String(saved.port),
    security: saved.security,
    user: saved.user,
    passwordAction: "keep",
    fromAddress: saved.fromAddress,
    to: saved.to.join("; "),
    cc: saved.cc.join("; "),
    bcc: saved.bcc.join("; "),
  };
}

function rulesValues(ctx: ServiceContext): AlertRulesValues {
  const { rules } = readAlertSettings(ctx);
  return {
    itemQuotaEnabled: rules["item-quota"].enabled,
    itemQuotaLevels: rules["item-quota"].levels.join(", "),
    codeFailuresEnabled: rules["code-failures"].enabled,
    codeFailuresLevels: rules["code-failures"].levels.join(", "),
    expiryEnabled: rules.expiry.enabled,
    expiryLevels: rules.expiry.levels.join(", "),
  };
}

function subjects(ctx: ServiceContext): AlertSubjects {
  const { muted } = readAlertSettings(ctx);
  const items = listItems(ctx, { now: ctx.clock.now(), showExpired: false, showRevoked: false, sort: "itemId" });
  return {
    items: items.map((i) => ({ rowId: i.rowId, itemId: i.itemId, description: i.description, licenseId: i.licenseId, quotaOff: muted["item-quota"].has(String(i.rowId)), expiryOff: muted.expiry.has(String(i.rowId)) })),
    codes: listHandshakeCodes(ctx).map((c) => ({ code: c.code, name: c.name, failuresOff: muted["code-failures"].has(c.code) })),
  };
}

