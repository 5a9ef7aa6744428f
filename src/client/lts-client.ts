import { randomToken } from "./base64url";
import { LtsClientError } from "./errors";
import { parseLicenseKey, type LicenseKey } from "./license-key";
import { CHARGE_WAYS, DAY_MS, DEFAULT_REPORT_INTERVAL_SECONDS, DEPLOYMENT_TYPES, DEVICE_UUID_PATTERN, ERROR_CODES, readLicense, REPORT_MAX_AGE_MS, slotOf, type LtsLicense } from "./protocol";
import { pinKeys, type PinnedKeys } from "./signature";
import { MemoryStorage, type LtsStorage } from "./storage";
import { Transport, type FailedAttempt, type ServerRefusal, type ServerRole, type VerifiedAnswer } from "./transport";
import type { AuthorizeResult, FetchLike, FlushResult, LtsClientEvent, LtsClientOptions, LtsClientStatus, LtsGrant, LtsRefusal, LtsTimers, ReleaseResult } from "./types";
import { UsageBook, type SealedReport } from "./usage-book";

const DEFAULT_TIMEOUT_MS = 10_000;
/** The clock may fall this far behind the latest time seen before the cache is distrusted. */
const CLOCK_TOLERANCE_MS = DAY_MS;
/** Counts are written to storage at most this long after they were made (and on flush and close). */
const PERSIST_DELAY_MS = 1_000;
/** The clock mark is written when it has moved this much. */
const CLOCK_PERSIST_STEP_MS = 60_000;
/** Report answers that record the usage and say the item no longer serves (revoked, expired, not yet valid). */
const ITEM_STOPPED_CODES: ReadonlySet<number> = new Set([ERROR_CODES.LICENSE_EXPIRED, ERROR_CODES.LICENSE_NOT_YET_VALID, ERROR_CODES.LICENSE_REVOKED]);
/** Counter names the server takes (modules, `scans`, `pages`); others would get the whole report refused. */
const COUNT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const RESERVED_NAMES = new Set(["__proto__", "constructor", "prototype"]);

/** The grant as kept in storage. */
interface StoredGrant {
  v: 1;
  /** Hash of the request it answered: a grant for other settings is not reused. */
  fingerprint: string;
  license: LtsLicense;
  serverTime: string;
  /** Local time it was received. */
  receivedAt: number;
  /** Local time after which the client asks the server again: half the grant's lifetime. */
  renewAfter: number;
  /** Set when a report was answered 120. */
  exhausted: ServerRefusal | null;
}

/**
 * The LTS client library: what an SDK embeds to be authorized by an LTS server, to work offline
 * from a cached grant, and to report usage per 3-minute slot (PROTOCOL.md; DESIGN.md).
 *
 * Runs in Bun, Node ≥ 20 and browsers: fetch, WebCrypto (Ed25519), timers; nothing else.
 *
 * Lifecycle: `authorize()` at start (it always asks the server first, and falls back to the
 * cached grant while it is valid); `count()` as work is done; reports go out on a timer every
 * `reportIntervalSeconds` (and on `flush()`), and the grant is renewed on that timer once half
 * its lifetime has passed; `release()` on a clean shutdown frees a concurrent seat; `close()`
 * stops the timers and writes what is left to storage.
 */
export class LtsClient {
  /** The parsed license key. */
  readonly licenseKey: Readonly<LicenseKey>;
  private readonly options: LtsClientOptions;
  private readonly storage: LtsStorage;
  private readonly clock: () => number;
  private readonly transport: Transport;
  private readonly prefix: string;
  private readonly autoReport: boolean;
  private keys: Promise<PinnedKeys> | null = null;
  private loading: Promise<void> | null = null;
  private loaded = false;
  private fingerprint = "";
  private grant: StoredGrant | null = null;
  /** The last license granted, kept after a refusal or release so late counts still have an item. */
  private lastLicense: LtsLicense | null = null;
  private refusal: LtsRefusal | null = null;
  private book = new UsageBook();
  private highWaterMark = 0;
  private persistedMark = 0;
  private clockDistrusted = false;
  /**
   * A server answered the last request. While the clock is distrusted, the grant holds only as
   * long as servers keep answering: the cache alone is not enough.
   */
  private serverConfirmed = false;
  /** release() stopped the timer; the next grant starts it again. */
  private paused = false;
  /** A server decided an authorize during this run: until then authorize() always asks. */
  private contacted = false;
  /** The server said the handshake code changed: renew at the next occasion. */
  private renewDue = false;
  private authorizing: Promise<AuthorizeResult> | null = null;
  private flushing: Promise<unknown> = Promise.resolve();
  private writes: Promise<void> = Promise.resolve();
  private readonly timers: LtsTimers;
  private timer: unknown = null;
  private persistTimer: unknown = null;
  private closed = false;

  /**
   * @throws LicenseKeyError when the license key does not parse.
   * @throws LtsClientError (`invalid-options`) when another option does not fit the protocol.
   */
  constructor(options: LtsClientOptions) {
    this.licenseKey = parseLicenseKey(options.licenseKey);
    checkOptions(options);
    this.options = options;
    this.storage = options.storage ?? new MemoryStorage();
    this.clock = options.clock ?? Date.now;
    this.timers = options.timers ?? SYSTEM_TIMERS;
    this.autoReport = options.autoReport ?? true;
    this.prefix = `lts1:${this.licenseKey.hc}:${options.device.uuid}:${options.product}:`;
    const fetchImpl: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    const servers: { role: ServerRole; url: string }[] = [{ role: "main", url: this.licenseKey.main }];
    if (this.licenseKey.standby) servers.push({ role: "standby", url: this.licenseKey.standby });
    this.transport = new Transport({
      servers,
      keys: () => (this.keys ??= pinKeys(this.licenseKey.pk)),
      fetch: fetchImpl,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      timers: this.timers,
      onServerTime: (ms) => this.observeServerTime(ms),
      onFailedAttempt: (attempt, next) => this.emit({ type: "server-failed", ...attempt, next }),
    });
  }

  /**
   * Gets a grant for this device. Asks main, then standby (on network errors, timeouts, responses
   * not signed by a pinned key or with another nonce, and code 100 / 2 / 3). Without any usable
   * answer it returns the cached grant while that is valid (`fromCache: true`).
   *
   * After the first answer of this run, a call returns the cached grant without a request until
   * half of the grant's lifetime has passed; the report timer renews it from then on.
   *
   * @returns a grant, or the server's refusal (`ok: false`, with the protocol's numeric `code`).
   * @throws LtsClientError `unreachable` (no server answered and no valid cache), `clock-rolled-back`
   *   (the clock is more than 24 h behind the latest time seen and no server answered), `closed`.
   */
  async authorize(): Promise<AuthorizeResult> {
    this.assertOpen();
    this.authorizing ??= this.doAuthorize().finally(() => {
      this.authorizing = null;
    });
    return this.authorizing;
  }

  /**
   * Counts `n` uses of `name` (a module name, or `scans` / `pages`) in the current 3-minute UTC
   * slot. Synchronous and cheap: counts are kept in memory, written to storage within a second,
   * and reported by `flush()` or the timer. Counting goes on after a refusal or `exhausted` (the
   * usage happened); stopping the work is the caller's decision, from `status()` or the events.
   *
   * @throws LtsClientError `not-authorized` before any grant, `invalid-options` for a name that is
   *   not 1–64 characters of `[A-Za-z0-9_.-]` or an `n` that is not a safe non-negative integer, `closed`.
   * @throws RangeError when a slot would count more than 32 names.
   */
  count(name: string, n = 1): void {
    this.assertOpen();
    if (typeof name !== "string" || !COUNT_NAME.test(name) || RESERVED_NAMES.has(name)) {
      throw new LtsClientError("invalid-options", `count(): the name must be 1 to 64 characters of A-Z a-z 0-9 _ . - (got ${JSON.stringify(name)}).`);
    }
    if (!Number.isSafeInteger(n) || n < 0) throw new LtsClientError("invalid-options", "count(): n must be a safe non-negative integer.");
    const license = this.grant?.license ?? this.lastLicense;
    if (!license) throw new LtsClientError("not-authorized", "count() needs a license item to count against: call authorize() first.");
    if (n === 0) return;
    this.book.add(license.handshakeCode, license.itemId, slotOf(this.now()), name, n);
    this.schedulePersist();
  }

  /**
   * Sends the usage not yet acknowledged: first the reports already sealed (as they are, same
   * `reportId`), then the counted slots, sealed into reports of at most 1000 records, oldest first.
   * Stops at the first report no server acknowledges; that report stays in storage and is retried
   * as it is. Usage older than 30 days is dropped (`report-dropped`). A report answered 120 marks
   * the grant exhausted. Never throws for network failures: the result says what happened.
   */
  async flush(): Promise<FlushResult> {
    this.assertOpen();
    const run = this.flushing.then(() => this.doFlush());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /**
   * Ends the session cleanly: flushes, stops the timers and, for the concurrent charge ways, asks
   * the server to free this device's seat from the current slot on, and forgets the grant (the
   * next start authorizes again). For other charge ways nothing is sent (`released: false`) and
   * the cached grant stays valid for offline use.
   *
   * @throws LtsClientError `unreachable` when no server could be reached, `closed`.
   */
  async release(): Promise<ReleaseResult> {
    this.assertOpen();
    await this.load();
    await this.flush();
    this.paused = true;
    this.stopTimer();
    const license = this.grant?.license;
    if (!license || (license.chargeWay !== "concurrent-device" && license.chargeWay !== "concurrent-instance")) return { ok: true, released: false };
    const outcome = await this.transport.post("api/v1/release", {
      handshakeCode: license.handshakeCode,
      ...(this.licenseKey.sp !== undefined ? { sessionPassword: this.licenseKey.sp } : {}),
      itemId: license.itemId,
      device: { uuid: this.options.device.uuid },
    });
    if (outcome.kind === "unavailable") {
      if (outcome.transient) return toRefusal(outcome.transient);
      throw new LtsClientError("unreachable", `Could not release the seat: ${describeFailures(outcome.failed)}.`, outcome.failed);
    }
    if (outcome.answer.refusal) {
      const refusal = toRefusal(outcome.answer);
      this.emit({ type: "refused", refusal, during: "release" });
      return refusal;
    }
    await this.setGrant(null);
    this.emit({ type: "released", itemId: license.itemId, server: outcome.answer.server });
    return { ok: true, released: true };
  }

  /** Where the client stands, without a request. */
  status(): LtsClientStatus {
    const now = this.clock();
    const grant = this.grant;
    let state: LtsClientStatus["state"] = "unauthorized";
    if (grant?.exhausted) state = "exhausted";
    else if (grant) state = (!this.clockDistrusted || this.serverConfirmed) && now < Date.parse(grant.license.validUntil) ? "granted" : "expired";
    else if (this.refusal) state = "refused";
    return {
      state,
      license: grant?.license ?? null,
      refusal: grant?.exhausted ? { ok: false, ...grant.exhausted, server: null } : this.refusal,
      clockTrusted: !this.clockDistrusted,
      pendingSlots: this.book.pendingSlots,
      waitingReports: this.book.waitingReports.length,
    };
  }

  /**
   * Stops the timers and writes the unreported usage and the clock mark to storage. Idempotent.
   * Does not send anything: call `flush()` or `release()` first for a clean shutdown.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    if (this.persistTimer) this.timers.clearTimeout(this.persistTimer);
    this.persistTimer = null;
    if (this.loaded) await Promise.all([this.saveUsage(), this.saveClock()]);
    await this.writes;
  }

  // ---------------------------------------------------------------------------------------------

  private async doAuthorize(): Promise<AuthorizeResult> {
    await this.load();
    const now = this.now();
    const cached = this.usableGrant(now);
    if (cached && this.contacted && !this.renewDue && now < cached.renewAfter) return grantResult(cached, true, null);

    const outcome = await this.transport.post("api/v1/authorize", this.authorizeBody());
    const failures: FailedAttempt[] = [...outcome.failed];
    if (outcome.kind === "answer") {
      const { answer } = outcome;
      if (answer.refusal) {
        const refusal = toRefusal(answer);
        this.contacted = true;
        this.refusal = refusal;
        await this.setGrant(null);
        this.stopTimer();
        this.emit({ type: "refused", refusal, during: "authorize" });
        return refusal;
      }
      const license = readLicense(answer.body.license);
      if (license) {
        const grant = await this.storeGrant(license, answer.serverTime ?? this.clock());
        this.contacted = true;
        this.serverConfirmed = true;
        this.renewDue = false;
        this.refusal = null;
        this.paused = false;
        this.emit({ type: "granted", license, server: answer.server });
        this.startTimer(this.book.isEmpty ? undefined : 0);
        return grantResult(grant, false, answer.server);
      }
      failures.push({ server: answer.server, url: "", reason: "a grant without a usable license object" });
    }

    // No server decided: the cache, if it can be trusted, else say why not.
    this.serverConfirmed = false;
    if (this.clockDistrusted) {
      throw new LtsClientError(
        "clock-rolled-back",
        `The device's clock (${iso(this.clock())}) is more than 24 hours behind the latest time seen (${iso(this.highWaterMark)}), so the cached license cannot be trusted, and no license server answered: ${describeFailures(failures)}. Set the clock right or connect to the license server.`,
        failures,
      );
    }
    if (this.grant?.exhausted) return { ok: false, ...this.grant.exhausted, server: null };
    const still = this.usableGrant(this.now());
    if (still) {
      this.paused = false;
      this.emit({ type: "cache-used", license: still.license, reason: describeFailures(failures) });
      this.startTimer(this.book.isEmpty ? undefined : 0);
      return grantResult(still, true, null);
    }
    const transient = outcome.kind === "unavailable" ? outcome.transient : null;
    if (transient) return toRefusal(transient);
    const expired = this.grant ? ` The cached license expired at ${this.grant.license.validUntil}.` : "";
    throw new LtsClientError("unreachable", `Could not reach the license server: ${describeFailures(failures)}.${expired}`, failures);
  }

  private async doFlush(): Promise<FlushResult> {
    await this.load();
    const result: FlushResult = { sent: 0, records: 0, dropped: 0, waitingReports: 0, pendingSlots: 0, stoppedBecause: null };
    const now = this.now();
    const old = this.book.dropOlderThan(now - REPORT_MAX_AGE_MS);
    for (const report of old.reports) {
      this.emit({ type: "report-dropped", reportId: report.reportId, records: report.records.length, reason: "too-old", message: "The report holds a slot older than 30 days, which the server no longer accepts." });
    }
    if (old.slots.length > 0) {
      this.emit({ type: "report-dropped", reportId: null, records: old.slots.length, reason: "too-old", message: `${old.slots.length} counted slots older than 30 days were never reported and are dropped.` });
    }
    result.dropped = old.reports.length + old.slots.length;
    if (result.dropped > 0) await this.saveUsage();

    // Bounded by what is there now, even if count() keeps adding while reports are in flight.
    let waiting = this.book.waitingReports.length;
    let toSeal = this.book.pendingSlots;
    while (waiting > 0 || toSeal > 0) {
      const next = this.book.next(() => randomToken(24));
      if (!next) break;
      const { report } = next;
      if (next.sealed) toSeal -= report.records.length;
      else waiting -= 1;
      // The sealed report must be in storage before it is sent: a retry after a crash re-sends the same reportId.
      if (next.sealed) await this.saveUsage();
      const stop = await this.sendReport(report, result);
      if (stop) {
        result.stoppedBecause = stop;
        break;
      }
    }
    result.waitingReports = this.book.waitingReports.length;
    result.pendingSlots = this.book.pendingSlots;
    await this.saveClock();
    return result;
  }

  /** Sends one report; returns why the flush must stop, or null to go on. */
  private async sendReport(report: SealedReport, result: FlushResult): Promise<string | null> {
    const outcome = await this.transport.post("api/v1/report", {
      handshakeCode: report.handshakeCode,
      ...(this.licenseKey.sp !== undefined ? { sessionPassword: this.licenseKey.sp } : {}),
      itemId: report.itemId,
      device: { uuid: this.options.device.uuid },
      reportId: report.reportId,
      records: report.records,
    });
    if (outcome.kind === "unavailable") {
      this.serverConfirmed = false;
      const reason = outcome.transient ? describeRefusal(toRefusal(outcome.transient)) : describeFailures(outcome.failed);
      this.emit({ type: "report-kept", reportId: report.reportId, records: report.records.length, reason });
      return reason;
    }
    const { answer } = outcome;
    const refusal = answer.refusal ? toRefusal(answer) : null;
    const itemStopped = refusal !== null && ITEM_STOPPED_CODES.has(refusal.code);
    if (!refusal || refusal.code === ERROR_CODES.USAGE_EXCEEDED || itemStopped) {
      this.serverConfirmed = true;
      // 120, 111, 112 and 113 still record the usage (PROTOCOL.md): the report is done either way.
      this.book.remove(report.reportId);
      await this.saveUsage();
      result.sent += 1;
      result.records += report.records.length;
      const usage = report.records.reduce((sum, r) => sum + Object.values(r.counts).reduce((a, b) => a + b, 0), 0);
      this.emit({ type: "report-sent", reportId: report.reportId, records: report.records.length, usage, duplicate: answer.body.duplicate === true, server: answer.server });
      if (itemStopped) return this.stopForItem(report, refusal);
      if (refusal) await this.markExhausted(report, refusal);
      else await this.refreshFromReport(report, answer);
      return null;
    }
    if (refusal.code === ERROR_CODES.INVALID_REQUEST) {
      // Code 1 changes nothing and would be the same answer again: retrying cannot help.
      this.book.remove(report.reportId);
      await this.saveUsage();
      result.dropped += 1;
      this.emit({ type: "report-dropped", reportId: report.reportId, records: report.records.length, reason: "rejected", message: describeRefusal(refusal) });
      return null;
    }
    // The code, its password or the grant is gone (101, 102, 104 …): the cache is no longer
    // trustworthy. The report is kept for after the next grant.
    this.emit({ type: "report-kept", reportId: report.reportId, records: report.records.length, reason: describeRefusal(refusal) });
    return this.stopForItem(report, refusal);
  }

  /** A refusal on a report ends the grant of its item: the cache no longer serves and the timer stops. */
  private async stopForItem(report: SealedReport, refusal: LtsRefusal): Promise<string> {
    this.emit({ type: "refused", refusal, during: "report" });
    if (this.grant?.license.itemId === report.itemId) {
      this.refusal = refusal;
      await this.setGrant(null);
      this.stopTimer();
    }
    return describeRefusal(refusal);
  }

  private async markExhausted(report: SealedReport, refusal: LtsRefusal): Promise<void> {
    const grant = this.grant;
    if (grant && grant.license.itemId === report.itemId) {
      // Said once per grant: later reports of the same usage are answered 120 as well.
      if (grant.exhausted) return;
      grant.exhausted = { code: refusal.code, name: refusal.name, message: refusal.message };
      await this.write("grant", JSON.stringify(grant));
    }
    this.emit({ type: "exhausted", refusal });
  }

  /** A report's answer carries the license as it stands now (e.g. a device's refreshed active-until). */
  private async refreshFromReport(report: SealedReport, answer: VerifiedAnswer): Promise<void> {
    const license = readLicense(answer.body.license);
    const grant = this.grant;
    if (!license || !grant || grant.license.itemId !== report.itemId || license.itemId !== grant.license.itemId || grant.exhausted) return;
    if (license.handshakeUpdatedAt !== grant.license.handshakeUpdatedAt) this.renewDue = true;
    await this.storeGrant(license, answer.serverTime ?? this.clock());
  }

  private async storeGrant(license: LtsLicense, serverTime: number): Promise<StoredGrant> {
    const receivedAt = this.clock();
    const lifetime = Math.max(0, Date.parse(license.validUntil) - serverTime);
    const grant: StoredGrant = {
      v: 1,
      fingerprint: this.fingerprint,
      license,
      serverTime: iso(serverTime),
      receivedAt,
      renewAfter: receivedAt + lifetime / 2,
      exhausted: null,
    };
    await this.setGrant(grant);
    return grant;
  }

  private async setGrant(grant: StoredGrant | null): Promise<void> {
    this.grant = grant;
    if (grant) this.lastLicense = grant.license;
    await (grant ? this.write("grant", JSON.stringify(grant)) : this.remove("grant"));
  }

  /** The cached grant when it may be used now: same request, clock trusted, not exhausted, before validUntil. */
  private usableGrant(now: number): StoredGrant | null {
    const grant = this.grant;
    if (!grant || grant.exhausted || this.clockDistrusted) return null;
    return now < Date.parse(grant.license.validUntil) ? grant : null;
  }

  private authorizeBody(): Record<string, unknown> {
    const o = this.options;
    const key = this.licenseKey;
    return {
      handshakeCode: key.hc,
      organizationId: key.org,
      ...(key.sp !== undefined ? { sessionPassword: key.sp } : {}),
      device: { uuid: o.device.uuid, ...(o.device.name !== undefined ? { name: o.device.name } : {}) },
      product: o.product,
      version: o.version,
      edition: o.edition,
      deploymentType: o.deploymentType,
      chargeWay: o.chargeWay ?? "auto",
      ...(o.validation !== undefined ? { validation: o.validation } : {}),
      ...(o.instances !== undefined ? { instances: o.instances } : {}),
      ...(o.modules !== undefined ? { modules: o.modules } : {}),
    };
  }

  // Clock -----------------------------------------------------------------------------------------

  /** The local time; moves the high-water mark and notices a clock set back. */
  private now(): number {
    const now = this.clock();
    if (now > this.highWaterMark) this.highWaterMark = now;
    this.checkClock(now);
    return now;
  }

  /**
   * A verified server time comes with this request's nonce, so it is fresh. When it agrees with the
   * local clock (within 24 h) it confirms that clock, and the mark is reset to the later of the two
   * (this is how a clock that jumped forward by mistake recovers); otherwise it only raises the mark.
   */
  private observeServerTime(serverTime: number): void {
    const now = this.clock();
    this.highWaterMark = Math.abs(serverTime - now) <= CLOCK_TOLERANCE_MS ? Math.max(now, serverTime) : Math.max(this.highWaterMark, serverTime, now);
    this.checkClock(now);
  }

  private checkClock(now: number): void {
    const distrusted = now < this.highWaterMark - CLOCK_TOLERANCE_MS;
    if (distrusted && !this.clockDistrusted) {
      this.serverConfirmed = false;
      this.emit({ type: "clock-rolled-back", now: iso(now), highWaterMark: iso(this.highWaterMark) });
    }
    this.clockDistrusted = distrusted;
    if (this.loaded && Math.abs(this.highWaterMark - this.persistedMark) >= CLOCK_PERSIST_STEP_MS) void this.saveClock();
  }

  // Storage ---------------------------------------------------------------------------------------

  private load(): Promise<void> {
    this.loading ??= this.doLoad();
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    this.fingerprint = await sha256Hex(JSON.stringify({ ...this.authorizeBody(), device: this.options.device.uuid }));
    const grant = await this.readJson("grant");
    if (isStoredGrant(grant) && grant.fingerprint === this.fingerprint) {
      const license = readLicense(grant.license);
      if (license) {
        this.grant = { ...grant, license };
        this.lastLicense = license;
      }
    }
    const usage = await this.readJson("usage");
    if (usage !== undefined) {
      try {
        this.book = UsageBook.from(usage);
      } catch {
        this.emit({ type: "storage-reset", key: this.prefix + "usage", reason: "unreadable usage backlog" });
      }
    }
    const mark = await this.readJson("clock");
    if (typeof mark === "number" && Number.isFinite(mark)) this.highWaterMark = this.persistedMark = mark;
    this.loaded = true;
    this.now();
  }

  /** The parsed JSON under `name`, or undefined when absent or unreadable (with an event). */
  private async readJson(name: string): Promise<unknown> {
    const key = this.prefix + name;
    let text: string | null | undefined;
    try {
      text = await this.storage.get(key);
    } catch (error) {
      this.emit({ type: "error", during: "storage", message: `reading ${key}: ${errorMessage(error)}` });
      return undefined;
    }
    if (text === null || text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      this.emit({ type: "storage-reset", key, reason: "not JSON" });
      return undefined;
    }
  }

  /** Writes in call order (storage may be asynchronous); a failure is an event, not an exception. */
  private write(name: string, value: string): Promise<void> {
    return this.queue(() => this.storage.set(this.prefix + name, value), name);
  }

  private remove(name: string): Promise<void> {
    return this.queue(() => this.storage.delete(this.prefix + name), name);
  }

  private queue(op: () => void | Promise<void>, name: string): Promise<void> {
    this.writes = this.writes.then(op).catch((error: unknown) => this.emit({ type: "error", during: "storage", message: `writing ${this.prefix + name}: ${errorMessage(error)}` }));
    return this.writes;
  }

  private saveUsage(): Promise<void> {
    if (this.persistTimer) this.timers.clearTimeout(this.persistTimer);
    this.persistTimer = null;
    return this.write("usage", JSON.stringify(this.book.snapshot()));
  }

  private saveClock(): Promise<void> {
    this.persistedMark = this.highWaterMark;
    return this.write("clock", JSON.stringify(this.highWaterMark));
  }

  private schedulePersist(): void {
    if (this.persistTimer || this.closed) return;
    this.persistTimer = this.timers.setTimeout(() => this.saveUsage(), PERSIST_DELAY_MS);
  }

  // Timer -----------------------------------------------------------------------------------------

  private startTimer(delayMs?: number): void {
    if (!this.autoReport || this.closed || this.paused || this.timer) return;
    const seconds = this.options.reportIntervalSeconds ?? this.grant?.license.reportIntervalSeconds ?? DEFAULT_REPORT_INTERVAL_SECONDS;
    this.timer = this.timers.setTimeout(() => this.tick(), delayMs ?? seconds * 1000);
  }

  private stopTimer(): void {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Reports, then renews the grant once half its lifetime has passed (or it expired, or the code changed). */
  private async tick(): Promise<void> {
    this.timer = null;
    if (this.closed) return;
    try {
      await this.flush();
      const grant = this.grant;
      if (grant && !grant.exhausted && !this.closed && (this.renewDue || this.clockDistrusted || this.now() >= grant.renewAfter)) await this.authorize();
    } catch (error) {
      this.emit({ type: "error", during: "timer", message: errorMessage(error) });
    }
    if (this.grant) this.startTimer();
  }

  private emit(event: LtsClientEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure is the listener's problem; the client carries on.
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new LtsClientError("closed", "This LtsClient was closed.");
  }
}

function grantResult(grant: StoredGrant, fromCache: boolean, server: ServerRole | null): LtsGrant {
  return { ok: true, license: grant.license, fromCache, server, serverTime: grant.serverTime };
}

function toRefusal(answer: VerifiedAnswer): LtsRefusal {
  const refusal = answer.refusal!;
  return { ok: false, code: refusal.code, name: refusal.name, message: refusal.message, server: answer.server };
}

function describeRefusal(refusal: LtsRefusal): string {
  return `${refusal.name} (${refusal.code}) from ${refusal.server ?? "cache"}: ${refusal.message}`;
}

function describeFailures(failures: readonly FailedAttempt[]): string {
  return failures.length === 0 ? "no server answered" : failures.map((f) => `${f.server} ${f.reason}`).join("; ");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The global timers; the promise a callback returns is ignored (the client's work catches its own errors). */
const SYSTEM_TIMERS: LtsTimers = {
  setTimeout: (callback, ms) => unref(setTimeout(callback, ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Lets Node and Bun exit while a timer is pending (no such thing in browsers). */
function unref(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  const handle = timer as unknown as { unref?: () => void };
  if (typeof handle === "object" && handle !== null && typeof handle.unref === "function") handle.unref();
  return timer;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function isStoredGrant(value: unknown): value is StoredGrant {
  if (typeof value !== "object" || value === null) return false;
  const g = value as Record<string, unknown>;
  return g.v === 1 && typeof g.fingerprint === "string" && typeof g.serverTime === "string" && typeof g.receivedAt === "number" && typeof g.renewAfter === "number" && (g.exhausted === null || typeof g.exhausted === "object");
}

function checkOptions(o: LtsClientOptions): void {
  const fail = (message: string): never => {
    throw new LtsClientError("invalid-options", message);
  };
  const nonEmpty = (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= 64;
  if (typeof o.device !== "object" || o.device === null || typeof o.device.uuid !== "string" || !DEVICE_UUID_PATTERN.test(o.device.uuid)) {
    fail("device.uuid must be 8 to 128 characters of letters, digits, '_' or '-'.");
  }
  if (o.device.name !== undefined && (typeof o.device.name !== "string" || o.device.name.length > 64)) fail("device.name must be a string of at most 64 characters.");
  if (!nonEmpty(o.product)) fail("product must be a string of 1 to 64 characters.");
  if (!nonEmpty(o.edition)) fail("edition must be a string of 1 to 64 characters.");
  if (!Number.isSafeInteger(o.version) || o.version < 0) fail("version must be the product's major version, a non-negative integer.");
  if (!(DEPLOYMENT_TYPES as readonly unknown[]).includes(o.deploymentType)) fail(`deploymentType must be one of ${DEPLOYMENT_TYPES.join(", ")}.`);
  if (o.chargeWay !== undefined && !(CHARGE_WAYS as readonly unknown[]).includes(o.chargeWay)) fail(`chargeWay must be one of ${CHARGE_WAYS.join(", ")}.`);
  if (o.instances !== undefined && (!Number.isSafeInteger(o.instances) || o.instances < 1)) fail("instances must be a positive integer.");
  if (o.modules !== undefined && (!Array.isArray(o.modules) || o.modules.length > 100 || !o.modules.every(nonEmpty))) fail("modules must be a list of at most 100 names of 1 to 64 characters.");
  if (o.validation !== undefined) {
    const allowed = ["domain", "appId", "processName"];
    if (typeof o.validation !== "object" || o.validation === null || !Object.entries(o.validation).every(([k, v]) => allowed.includes(k) && typeof v === "string")) {
      fail("validation may hold domain, appId and processName, each a string.");
    }
  }
  if (o.timeoutMs !== undefined && !(o.timeoutMs > 0 && Number.isFinite(o.timeoutMs))) fail("timeoutMs must be a positive number.");
  if (o.reportIntervalSeconds !== undefined && !(o.reportIntervalSeconds > 0 && Number.isFinite(o.reportIntervalSeconds))) fail("reportIntervalSeconds must be a positive number.");
}
