import { ALERT_RULE_SPECS, describeCondition, formatPercent, type AlertCondition, type AlertReport, type ComposedEmail } from "../../src/domain/alerts";

/**
 * One alert email for every condition met in a run: a subject naming how many, an HTML body (a
 * table per rule, with the numbers and a link) and the same as plain text. The links lead to the
 * License Items page and the code's Configurations row until the statistics pages exist.
 */
export function composeAlertEmail(report: AlertReport): ComposedEmail {
  const n = report.conditions.length;
  const subject = `LTS alert: ${n} condition${n === 1 ? "" : "s"} met — ${headline(report.conditions[0]!)}${n > 1 ? ` and ${n - 1} more` : ""}`;
  const when = report.at.toISOString().slice(0, 16).replace("T", " ");
  const text = [
    `Your License Tracking Server found ${n} condition${n === 1 ? "" : "s"} at ${when} UTC:`,
    "",
    ...report.conditions.flatMap((c) => [`- ${describeCondition(c)}`, `  ${c.link}`]),
    "",
    `Portal: ${report.portalUrl}/`,
    "Each level is reported once; it is reported again after the value falls back below it, or when a new license changes the quota.",
  ].join("\n");
  const html = "<!DOCTYPE html>" + String(<AlertEmail report={report} when={when} />);
  return { subject: subject.replace(/[\r\n]+/g, " "), text, html };
}

function headline(c: AlertCondition): string {
  if (c.rule === "expiry") return `${c.title} expires in ${c.value} day${c.value === 1 ? "" : "s"}`;
  if (c.rule === "code-failures") return `${c.title}: ${formatPercent(c.value)} failed`;
  return `${c.title} at ${formatPercent(c.value)}`;
}

function AlertEmail({ report, when }: { report: AlertReport; when: string }) {
  const rules = (Object.keys(ALERT_RULE_SPECS) as AlertCondition["rule"][]).filter((r) => report.conditions.some((c) => c.rule === r));
  return (
    <html>
      <head>
        <meta charset="utf-8" />
        <title>LTS alert</title>
      </head>
      <body style="font-family: sans-serif; color: #1f2933;">
        <p>
          Your License Tracking Server found {report.conditions.length} condition{report.conditions.length === 1 ? "" : "s"} at {when} UTC.
        </p>
        {rules.map((rule) => (
          <>
            <h2 style="font-size: 1.1em;">{ALERT_RULE_SPECS[rule].label}</h2>
            <table cellpadding="6" style="border-collapse: collapse;">
              <thead>
                <tr>
                  <th align="left">What</th>
                  <th align="left">{rule === "expiry" ? "Days left" : "Now"}</th>
                  <th align="left">Level crossed</th>
                  <th align="left">Numbers</th>
                </tr>
              </thead>
              <tbody>
                {report.conditions
                  .filter((c) => c.rule === rule)
                  .map((c) => (
                    <tr>
                      <td>
                        <a href={c.link}>{c.title}</a>
                      </td>
                      <td>{rule === "expiry" ? String(c.value) : formatPercent(c.value)}</td>
                      <td>{rule === "expiry" ? `${c.level} days` : `${c.level} %`}</td>
                      <td>{c.detail}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </>
        ))}
        <p>
          <a href={`${report.portalUrl}/`}>Open the portal</a>. Each level is reported once; it is reported again after the value falls back below it, or when a new license changes the quota.
        </p>
      </body>
    </html>
  );
}
