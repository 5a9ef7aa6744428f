/**
 * Quota alerts (DESIGN.md, "Usage, statistics, alerts"): the rules, their default levels, and when
 * a level fires. Pure: the engine (services/alerts) measures, this decides.
 */

export type AlertRuleName = "item-quota" | "code-failures" | "expiry";

export interface AlertRuleSpec {
  label: string;
  /** What the numbers are. */
  unit: "%" | "days";
  defaults: number[];
  /** "up": a higher value is worse (percent); "down": a lower one is (days left). */
  direction: "up" | "down";
  /** Whom it can be switched off for. */
  subject: "item" | "code";
}

export const ALERT_RULE_SPECS: Record<AlertRuleName, AlertRuleSpec> = {
  "item-quota": { label: "Item quota used", unit: "%", defaults: [60, 80, 100], direction: "up", subject: "item" },
  "code-failures": { label: "Failed authorizations per handshake code (last 60 minutes)", unit: "%", defaults: [10, 20, 40, 60, 80, 100], direction: "up", subject: "code" },
  expiry: { label: "Days before an item expires", unit: "days", defaults: [1, 7, 30], direction: "down", subject: "item" },
};

/** Below this many authorizations in the window a code's failure share is not judged (1 of 1 is not 100 %). */
export const MIN_AUTHORIZATION_ATTEMPTS = 20;
/** The window of the failed-authorization rule. */
export const FAILURE_WINDOW_MS = 60 * 60_000;

/** The level a value reaches now: the most severe one met, or null when none is. */
export function levelReached(direction: "up" | "down", levels: number[], value: number): number | null {
  const met = levels.filter((l) => (direction === "up" ? value >= l : value <= l));
  if (met.length === 0) return null;
  return direction === "up" ? Math.max(...met) : Math.min(...met);
}

export interface FiredLevel {
  level: number;
  quota: number;
}

/**
 * Whether a level fires now, and what to remember. A level fires once: it fires when the level
 * reached is more severe than the one remembered (or the quota changed since, e.g. a new license
 * raised it); when the value falls back, the remembered level drops with it, re-arming the levels
 * above; below every level nothing is remembered.
 */
export function decideAlert(direction: "up" | "down", previous: FiredLevel | null, reached: number | null, quota: number): { fire: boolean; next: FiredLevel | null } {
  if (reached === null) return { fire: false, next: null };
  const next = { level: reached, quota };
  if (!previous || previous.quota !== quota) return { fire: true, next };
  const worse = direction === "up" ? reached > previous.level : reached < previous.level;
  return { fire: worse, next };
}

/**
 * Parses a thresholds field: numbers separated by commas, spaces or semicolons; each a whole number
 * in [1, max]; at least one. Returns them ascending, without repeats, or the problem.
 */
export function parseLevels(text: string, max: number): { ok: true; value: number[] } | { ok: false; problem: string } {
  const parts = text.split(/[\s,;%]+/).filter(Boolean);
  if (parts.length === 0) return { ok: false, problem: "Give at least one level, e.g. 60, 80, 100." };
  if (parts.length > 20) return { ok: false, problem: "Give at most 20 levels." };
  const values: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,5}$/.test(part) || Number(part) < 1 || Number(part) > max) return { ok: false, problem: `'${part.slice(0, 20)}' is not a whole number from 1 to ${max}.` };
    values.push(Number(part));
  }
  return { ok: true, value: [...new Set(values)].sort((a, b) => a - b) };
}

// A deliberately plain address check: local@domain, no spaces, quotes, angle brackets or control
// characters (so nothing can be smuggled into a header), a dotted domain or a bracketed IP.
const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$|^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@localhost$/;

/** One email address, or the problem with it. */
export function addressProblem(address: string): string | null {
  if (/[\r\n]/.test(address)) return "An address cannot contain a line break.";
  if (!ADDRESS.test(address) || address.length > 254) return `'${address.slice(0, 80)}' is not an email address like name@example.com.`;
  return null;
}

/** Addresses separated by ';' (or ','): each validated; empty parts ignored. */
export function parseAddressList(text: string, max = 50): { ok: true; value: string[] } | { ok: false; problem: string } {
  if (/[\r\n]/.test(text)) return { ok: false, problem: "Addresses cannot contain line breaks: separate them with ';'." };
  const parts = text
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length > max) return { ok: false, problem: `At most ${max} addresses.` };
  for (const part of parts) {
    const problem = addressProblem(part);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, value: parts };
}

/** One condition met in a run: what crossed which level, with its numbers and where to look. */
export interface AlertCondition {
  rule: AlertRuleName;
  /** The item's row id or the handshake code. */
  subject: string;
  /** e.g. "Item 2000001 (Scans) of license 1000001", "Handshake code 100200-appA". */
  title: string;
  level: number;
  /** The measured value: percent, or days left. */
  value: number;
  /** The numbers behind the value, e.g. "950 of 1000 scans used". */
  detail: string;
  /** Absolute URL of the portal page to look at. */
  link: string;
}

/** Every condition met in one engine run: they go into one email. */
export interface AlertReport {
  at: Date;
  conditions: AlertCondition[];
  /** The portal's absolute URL (the configured main server URL). */
  portalUrl: string;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

/** One line saying what crossed which level, for the history page and the plain-text email. */
export function describeCondition(c: AlertCondition): string {
  if (c.rule === "expiry") return `${c.title}: expires in ${c.value} day${c.value === 1 ? "" : "s"} (level ${c.level} days) — ${c.detail}`;
  if (c.rule === "code-failures") return `${c.title}: ${formatPercent(c.value)} of authorizations failed (level ${c.level} %) — ${c.detail}`;
  return `${c.title}: ${formatPercent(c.value)} of its quota used (level ${c.level} %) — ${c.detail}`;
}

export const formatPercent = (value: number) => `${Math.round(value * 10) / 10} %`;
