import { ALERT_RULE_SPECS, MIN_AUTHORIZATION_ATTEMPTS, type AlertRuleName } from "../../../src/domain/alerts";
import { Field, Form, FormMessage, type FieldErrors } from "../../components/form";
import { PostButton } from "../../components/post-button";
import { AppLayout } from "../../layouts/app-layout";
import { ALERT_RULES_FORM_ID, ALERT_SWITCHES_ID, EMAIL_CONFIG_FORM_ID, TEST_EMAIL_ID } from "../../targets";
import { useUrl } from "../../view-context";
import { SecretChoice } from "../../components/secret-choice";

/** The Email Config form's values as shown (the password never among them). */
export interface EmailConfigValues {
  host: string;
  port: string;
  security: string;
  user: string;
  passwordAction: "keep" | "set" | "remove";
  fromAddress: string;
  to: string;
  cc: string;
  bcc: string;
}

export interface AlertRulesValues {
  itemQuotaEnabled: boolean;
  itemQuotaLevels: string;
  codeFailuresEnabled: boolean;
  codeFailuresLevels: string;
  expiryEnabled: boolean;
  expiryLevels: string;
}

export interface AlertSubjects {
  items: { rowId: number; itemId: string; description: string; licenseId: string; quotaOff: boolean; expiryOff: boolean }[];
  codes: { code: string; name: string; failuresOff: boolean }[];
}

export interface TestEmailResult {
  accepted: boolean;
  text: string;
}

export interface EmailConfigPageProps {
  config: { values: EmailConfigValues; hasPassword: boolean; saved: boolean; errors?: FieldErrors; message?: string; notice?: string };
  rules: { values: AlertRulesValues; errors?: FieldErrors; message?: string; notice?: string };
  subjects: AlertSubjects;
  test?: TestEmailResult;
}

export function EmailConfigPage(props: EmailConfigPageProps) {
  return (
    <AppLayout title="Email Config">
      <p class="lead">Who sends the alert emails and who receives them, and when an alert is sent. All conditions met in one check go into one email.</p>
      <EmailConfigForm {...props.config} />
      <TestEmail saved={props.config.saved} result={props.test} />
      <AlertRulesForm {...props.rules} />
      <AlertSwitches subjects={props.subjects} />
    </AppLayout>
  );
}

/** Sender and receivers; htmx swaps it in place with its errors (422), values kept but the password. */
export function EmailConfigForm(props: EmailConfigPageProps["config"]) {
  const e = props.errors ?? {};
  const v = props.values;
  return (
    <Form id={EMAIL_CONFIG_FORM_ID} action="/email-config" label="Email Config">
      <FormMessage message={props.message} />
      <FormMessage message={props.notice} kind="ok" />
      <fieldset class="checks">
        <legend>Sender (SMTP)</legend>
        <Field name="host" label="SMTP host" value={v.host} error={e.host} hint="e.g. smtp.example.com" />
        <Field name="port" label="Port" value={v.port} error={e.port} hint="587 for STARTTLS, 465 for TLS, 25 without." />
        <div class={e.security ? "field field-invalid" : "field"}>
          <label for="field-security">Security</label>
          <select id="field-security" name="security">
            {[
              ["none", "None"],
              ["starttls", "STARTTLS"],
              ["tls", "TLS"],
            ].map(([value, label]) => (
              <option value={value} selected={v.security === value}>
                {label}
              </option>
            ))}
          </select>
          {e.security && <p class="field-error">{e.security}</p>}
        </div>
        <Field name="user" label="User" value={v.user} error={e.user} autocomplete="off" hint="Empty: the server takes mail without logging in." />
        <SecretChoice name="password" label="Password" stateId="smtp-password-state" storedNote="It is stored encrypted and never shown." inputLabel="New SMTP password" autocomplete="new-password" hasSecret={props.hasPassword} action={v.passwordAction} error={e.password} />
        <Field name="fromAddress" label="From address" value={v.fromAddress} error={e.fromAddress} hint="e.g. lts@example.com" />
      </fieldset>
      <fieldset class="checks">
        <legend>Receivers</legend>
        <Field name="to" label="To" value={v.to} error={e.to} hint="Several addresses separated by ';'." />
        <Field name="cc" label="Cc" value={v.cc} error={e.cc} />
        <Field name="bcc" label="Bcc" value={v.bcc} error={e.bcc} />
      </fieldset>
      <div class="actions">
        <button type="submit">Save email settings</button>
      </div>
    </Form>
  );
}

/** "Send test email" and the SMTP server's answer (or the exact error): the swap target of its button. */
export function TestEmail(props: { saved: boolean; result?: TestEmailResult }) {
  return (
    <section id={TEST_EMAIL_ID} aria-labelledby="test-email-heading">
      <h2 id="test-email-heading">Test</h2>
      {props.result && (
        <p class={props.result.accepted ? "notice notice-ok" : "notice notice-error"} role={props.result.accepted ? "status" : "alert"} id="test-email-result">
          {props.result.accepted ? `Sent. The SMTP server answered: ${props.result.text}` : `Not sent: ${props.result.text}`}
        </p>
      )}
      {props.saved ? (
        <PostButton action="/email-config/test" target={`#${TEST_EMAIL_ID}`} label="Send test email" class="">
          Send test email
        </PostButton>
      ) : (
        <p class="hint">Save the settings above, then send a test email.</p>
      )}
    </section>
  );
}

const RULE_FIELDS: { rule: AlertRuleName; enabled: keyof AlertRulesValues; levels: keyof AlertRulesValues; hint: string }[] = [
  { rule: "item-quota", enabled: "itemQuotaEnabled", levels: "itemQuotaLevels", hint: "Percent of the quantity used (devices, scans, pages); for concurrent items, percent of this license year's overuse allowance drawn." },
  { rule: "code-failures", enabled: "codeFailuresEnabled", levels: "codeFailuresLevels", hint: `Percent of authorizations refused in the last 60 minutes, judged from ${MIN_AUTHORIZATION_ATTEMPTS} attempts on.` },
  { rule: "expiry", enabled: "expiryEnabled", levels: "expiryLevels", hint: "Days before an item expires." },
];

/** The thresholds: per rule on/off and its levels. Each level is reported once, and again after the value falls back below it. */
export function AlertRulesForm(props: EmailConfigPageProps["rules"]) {
  const e = props.errors ?? {};
  return (
    <Form id={ALERT_RULES_FORM_ID} action="/email-config/alert-rules" label="Alert thresholds">
      <h2>Alert thresholds</h2>
      <FormMessage message={props.message} />
      <FormMessage message={props.notice} kind="ok" />
      {RULE_FIELDS.map((f) => (
        <fieldset class="checks">
          <legend>{ALERT_RULE_SPECS[f.rule].label}</legend>
          <div class="check">
            <input type="checkbox" id={`field-${f.enabled}`} name={f.enabled} value="on" checked={props.values[f.enabled] as boolean} />
            <label for={`field-${f.enabled}`}>Send these alerts</label>
          </div>
          <Field name={f.levels} label={`Levels (${ALERT_RULE_SPECS[f.rule].unit})`} value={props.values[f.levels] as string} error={e[f.levels]} hint={`${f.hint} Default: ${ALERT_RULE_SPECS[f.rule].defaults.join(", ")}.`} />
        </fieldset>
      ))}
      <div class="actions">
        <button type="submit">Save thresholds</button>
      </div>
    </Form>
  );
}

/** Rules switched off per item or per code: the swap target of each switch. */
export function AlertSwitches({ subjects }: { subjects: AlertSubjects }) {
  const toggle = (rule: AlertRuleName, subject: string, off: boolean, what: string) => (
    <PostButton action={`/email-config/alerts/${rule}/${encodeURIComponent(subject)}/${off ? "on" : "off"}`} target={`#${ALERT_SWITCHES_ID}`} label={`${off ? "Switch on" : "Switch off"} ${what}`} class="switch" checked={!off}>
      {off ? "Off" : "On"}
    </PostButton>
  );
  return (
    <section id={ALERT_SWITCHES_ID} aria-labelledby="alert-switches-heading">
      <h2 id="alert-switches-heading">Per item and per code</h2>
      {subjects.items.length === 0 && subjects.codes.length === 0 ? (
        <p class="empty">No items or handshake codes yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Item or code</th>
                <th scope="col">Quota alerts</th>
                <th scope="col">Expiry alerts</th>
                <th scope="col">Failed-authorization alerts</th>
              </tr>
            </thead>
            <tbody>
              {subjects.items.map((i) => (
                <tr>
                  <td>
                    Item <code>{i.itemId}</code> {i.description} <span class="muted">license {i.licenseId}</span>
                  </td>
                  <td>{toggle("item-quota", String(i.rowId), i.quotaOff, `quota alerts for item ${i.itemId}`)}</td>
                  <td>{toggle("expiry", String(i.rowId), i.expiryOff, `expiry alerts for item ${i.itemId}`)}</td>
                  <td class="muted">—</td>
                </tr>
              ))}
              {subjects.codes.map((c) => (
                <tr>
                  <td>
                    Code <code>{c.code}</code> <span class="muted">{c.name}</span>
                  </td>
                  <td class="muted">—</td>
                  <td class="muted">—</td>
                  <td>{toggle("code-failures", c.code, c.failuresOff, `failed-authorization alerts for ${c.code}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
