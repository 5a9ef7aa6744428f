import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Email Config and quota alerts (DESIGN.md, "Usage, statistics, alerts"). Times are UTC ms.

export const SMTP_SECURITY = ["none", "starttls", "tls"] as const;

/**
 * The one Email Config (row id 1): how to reach the SMTP server, and who receives alerts.
 * The password is sealed with the instance key (AES-256-GCM, like the session passwords), so a
 * copy of the database alone does not reveal it; it is never shown back, logged or audited.
 */
export const emailConfig = sqliteTable("email_config", {
  id: integer("id").primaryKey(),
  host: text("host").notNull(),
  port: integer("port").notNull(),
  security: text("security", { enum: SMTP_SECURITY }).notNull(),
  user: text("user").notNull().default(""),
  /** base64url of iv‖ciphertext‖tag; null = no password. */
  passwordSealed: text("password_sealed"),
  fromAddress: text("from_address").notNull(),
  /** Addresses as typed once validated, joined by "; ". */
  to: text("to").notNull(),
  cc: text("cc").notNull().default(""),
  bcc: text("bcc").notNull().default(""),
  updatedAt: integer("updated_at").notNull(),
});

export const ALERT_RULES = ["item-quota", "code-failures", "expiry"] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/** A rule's thresholds and global switch; a rule without a row has DESIGN.md's defaults. */
export const alertRules = sqliteTable("alert_rules", {
  rule: text("rule", { enum: ALERT_RULES }).primaryKey(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  /** Ascending numbers (percent, or days before expiry), as JSON. */
  levels: text("levels", { mode: "json" }).$type<number[]>().notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * A rule switched off for one subject: an item (its row id, as text) for item-quota and expiry, a
 * handshake code (the code) for code-failures. Rows of deleted subjects are harmless.
 */
export const alertMutes = sqliteTable(
  "alert_mutes",
  {
    rule: text("rule", { enum: ALERT_RULES }).notNull(),
    subject: text("subject").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.rule, t.subject] })],
);

/**
 * Per (rule, subject), the most severe level that fired and the quota it fired at (the quantity,
 * the yearly allowance, or the expiry date): a level fires once, and re-arms when the value falls
 * back below it or the quota changes. No row = nothing armed has fired.
 */
export const alertState = sqliteTable(
  "alert_state",
  {
    rule: text("rule", { enum: ALERT_RULES }).notNull(),
    subject: text("subject").notNull(),
    level: real("level").notNull(),
    quota: integer("quota").notNull(),
    value: real("value").notNull(),
    firedAt: integer("fired_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.rule, t.subject] })],
);

export const OUTBOX_STATUSES = ["pending", "sending", "sent", "failed"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * Mail waiting to be sent, and what became of it (the Alert history). A row is queued in the same
 * transaction as the alert state that made it; the outbox job sends it and retries with back-off.
 * Recipients and sender are read from the Email Config at each attempt.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    createdAt: integer("created_at").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html").notNull(),
    /** One line per condition met, for the history page. */
    summary: text("summary", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status", { enum: OUTBOX_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastAttemptAt: integer("last_attempt_at"),
    lastError: text("last_error"),
    sentAt: integer("sent_at"),
    /** The SMTP server's answer when it accepted the message. */
    response: text("response"),
  },
  (t) => [index("outbox_due").on(t.status, t.nextAttemptAt), index("outbox_created").on(t.createdAt)],
);
