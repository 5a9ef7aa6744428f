import { count, desc } from "drizzle-orm";
import { outbox, type OutboxStatus } from "../../db/schema";
import type { ServiceContext } from "../context";

export interface AlertHistoryEntry {
  id: number;
  createdAt: Date;
  subject: string;
  summary: string[];
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  response: string | null;
}

export const HISTORY_PAGE_SIZE = 20;

/** The Alert history: every queued message, newest first, one page at a time (pages from 1). */
export function listAlertHistory(ctx: Pick<ServiceContext, "db">, input: { page: number; pageSize?: number }): { entries: AlertHistoryEntry[]; page: number; pages: number; total: number } {
  const size = input.pageSize ?? HISTORY_PAGE_SIZE;
  const total = ctx.db.select({ n: count() }).from(outbox).get()?.n ?? 0;
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, Math.floor(input.page) || 1), pages);
  const rows = ctx.db
    .select()
    .from(outbox)
    .orderBy(desc(outbox.id))
    .limit(size)
    .offset((page - 1) * size)
    .all();
  return {
    entries: rows.map((r) => ({
      id: r.id,
      createdAt: new Date(r.createdAt),
      subject: r.subject,
      summary: r.summary,
      status: r.status,
      attempts: r.attempts,
      nextAttemptAt: r.status === "pending" ? new Date(r.nextAttemptAt) : null,
      lastError: r.lastError,
      sentAt: r.sentAt === null ? null : new Date(r.sentAt),
      response: r.response,
    })),
    page,
    pages,
    total,
  };
}
