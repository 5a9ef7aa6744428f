import { MAX_COUNTS_PER_REPORT, MAX_NAMES_PER_RECORD, MAX_RECORDS_PER_REPORT } from "./protocol";

/** Room for the records of one report: the server takes report bodies up to 256 KiB (PROTOCOL.md, "Conventions"). */
const MAX_RECORDS_BYTES = 200 * 1024;

/** One slot's counts, as a report carries it. */
export interface UsageRecord {
  /** The slot's start: ISO-8601 UTC with milliseconds, minute divisible by 3, seconds 0. */
  slot: string;
  counts: Record<string, number>;
}

/**
 * A report that has been (or is about to be) sent. Once sealed it never changes: a report that
 * is not acknowledged is retried with the same `reportId` and the same records, so the server
 * (idempotent on device uuid + reportId) counts it once whatever happened to the earlier attempt.
 */
export interface SealedReport {
  reportId: string;
  handshakeCode: string;
  itemId: string;
  records: UsageRecord[];
}

interface PendingItem {
  handshakeCode: string;
  itemId: string;
  /** slot → name → count. */
  slots: Record<string, Record<string, number>>;
}

/** What survives a restart: usage not yet put in a report, and reports not yet acknowledged. */
export interface UsageSnapshot {
  v: 1;
  pending: PendingItem[];
  outbox: SealedReport[];
}

/**
 * Usage the client has counted and the server has not acknowledged. Counts stay per slot until a
 * flush seals them into a report (lazily, one report at a time, so usage that never left the
 * device can still be aged out slot by slot); sealed reports wait in the outbox until answered.
 */
export class UsageBook {
  private pending: PendingItem[] = [];
  private outbox: SealedReport[] = [];

  static from(snapshot: unknown): UsageBook {
    const book = new UsageBook();
    if (!isSnapshot(snapshot)) throw new Error("unreadable usage snapshot");
    book.pending = snapshot.pending;
    book.outbox = snapshot.outbox;
    return book;
  }

  snapshot(): UsageSnapshot {
    return { v: 1, pending: this.pending, outbox: this.outbox };
  }

  /** Adds `n` to `name` in `slot` for the item. Throws a RangeError past 32 names in one slot. */
  add(handshakeCode: string, itemId: string, slot: string, name: string, n: number): void {
    let item = this.pending.find((p) => p.itemId === itemId && p.handshakeCode === handshakeCode);
    if (!item) {
      item = { handshakeCode, itemId, slots: {} };
      this.pending.push(item);
    }
    const counts = (item.slots[slot] ??= {});
    if (!(name in counts) && Object.keys(counts).length >= MAX_NAMES_PER_RECORD) {
      throw new RangeError(`A slot can count at most ${MAX_NAMES_PER_RECORD} names (PROTOCOL.md, /api/v1/report); "${name}" would be one more.`);
    }
    counts[name] = (counts[name] ?? 0) + n;
  }

  get pendingSlots(): number {
    return this.pending.reduce((sum, item) => sum + Object.keys(item.slots).length, 0);
  }

  get waitingReports(): readonly SealedReport[] {
    return this.outbox;
  }

  get isEmpty(): boolean {
    return this.outbox.length === 0 && this.pendingSlots === 0;
  }

  /**
   * Removes what the server would refuse as too old: sealed reports whose oldest slot starts
   * before `cutoff` (a sealed report is never cut, so it goes whole) and unsealed slots before it.
   */
  dropOlderThan(cutoff: number): { reports: SealedReport[]; slots: { itemId: string; slot: string }[] } {
    const reports = this.outbox.filter((r) => r.records.some((rec) => Date.parse(rec.slot) < cutoff));
    this.outbox = this.outbox.filter((r) => !reports.includes(r));
    const slots: { itemId: string; slot: string }[] = [];
    for (const item of this.pending) {
      for (const slot of Object.keys(item.slots)) {
        if (Date.parse(slot) < cutoff) {
          slots.push({ itemId: item.itemId, slot });
          delete item.slots[slot];
        }
      }
    }
    this.pending = this.pending.filter((item) => Object.keys(item.slots).length > 0);
    return { reports, slots };
  }

  /** The first report to send: the oldest waiting one, else a new one sealed from up to 1000 of the oldest pending slots (fewer when their JSON would pass 200 KiB or their counts 4000). */
  next(newReportId: () => string): { report: SealedReport; sealed: boolean } | null {
    const waiting = this.outbox[0];
    if (waiting) return { report: waiting, sealed: false };
    const item = this.pending[0];
    if (!item) return null;
    // At most 1000 records, and well under the server's 256 KiB body limit (32 long names a slot would pass it).
    const slots: string[] = [];
    let bytes = 0;
    let counts = 0;
    for (const slot of Object.keys(item.slots).sort()) {
      const size = JSON.stringify({ slot, counts: item.slots[slot] }).length + 1;
      const names = Object.keys(item.slots[slot]!).length;
      if (slots.length === MAX_RECORDS_PER_REPORT || (slots.length > 0 && (bytes + size > MAX_RECORDS_BYTES || counts + names > MAX_COUNTS_PER_REPORT))) break;
      slots.push(slot);
      bytes += size;
      counts += names;
    }
    const report: SealedReport = {
      reportId: newReportId(),
      handshakeCode: item.handshakeCode,
      itemId: item.itemId,
      records: slots.map((slot) => ({ slot, counts: item.slots[slot]! })),
    };
    for (const slot of slots) delete item.slots[slot];
    if (Object.keys(item.slots).length === 0) this.pending.shift();
    this.outbox.push(report);
    return { report, sealed: true };
  }

  /** Forgets a report the server has answered for good. */
  remove(reportId: string): void {
    this.outbox = this.outbox.filter((r) => r.reportId !== reportId);
  }
}

function isSnapshot(value: unknown): value is UsageSnapshot {
  if (typeof value !== "object" || value === null) return false;
  const s = value as Record<string, unknown>;
  const isCounts = (c: unknown) => typeof c === "object" && c !== null && Object.values(c).every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
  return (
    s.v === 1 &&
    Array.isArray(s.pending) &&
    s.pending.every(
      (p: Record<string, unknown>) => typeof p?.handshakeCode === "string" && typeof p.itemId === "string" && typeof p.slots === "object" && p.slots !== null && Object.values(p.slots).every(isCounts),
    ) &&
    Array.isArray(s.outbox) &&
    s.outbox.every(
      (r: Record<string, unknown>) =>
        typeof r?.reportId === "string" &&
        typeof r.handshakeCode === "string" &&
        typeof r.itemId === "string" &&
        Array.isArray(r.records) &&
        r.records.every((rec: Record<string, unknown>) => typeof rec?.slot === "string" && isCounts(rec.counts)),
    )
  );
}
