import type { ChargeWay, DeploymentType, LtsLicense } from "./protocol";
import type { LtsStorage } from "./storage";
import type { FailedAttempt, ServerRole } from "./transport";

/** The `fetch` the client calls; inject one to test or to add a proxy. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * The timers the client schedules its reports, delayed storage writes and request timeouts with.
 * Default: the global ones, unref'd where the runtime can (Node and Bun may exit while one is
 * pending). Inject your own to drive the client without waiting (tests, simulators).
 */
export interface LtsTimers {
  /** `callback` may return a promise: the client's own work, which a test's timers may await. */
  setTimeout(callback: () => unknown, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Settings of an {@link LtsClient}. Only the license key and what identifies the request are required. */
export interface LtsClientOptions {
  /** The `LTS1…` license key from the LTS portal: servers, handshake code, pinned server keys. */
  licenseKey: string;
  /** This device: a stable uuid (8–128 characters of `[A-Za-z0-9_-]`) and an optional friendly name (≤ 64 characters). */
  device: { uuid: string; name?: string };
  product: string;
  /** The product's major version. */
  version: number;
  edition: string;
  deploymentType: DeploymentType;
  /** Default `auto`: any charge way. */
  chargeWay?: ChargeWay;
  validation?: { domain?: string; appId?: string; processName?: string };
  /** Seats wanted on this host; matters only for `concurrent-instance`. Default 1 (not sent). */
  instances?: number;
  /** Ask only for these modules. */
  modules?: string[];
  /** Where the grant, the clock mark and unreported usage are kept. Default: memory. */
  storage?: LtsStorage;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** Default: the global `setTimeout` and `clearTimeout`. */
  timers?: LtsTimers;
  /** Per request, per server. Default 10 000 ms. */
  timeoutMs?: number;
  /** Overrides the grant's `reportIntervalSeconds` (tests, simulators). */
  reportIntervalSeconds?: number;
  /** Report and renew on a timer after the first grant. Default true; false leaves it to `flush()` / `authorize()`. */
  autoReport?: boolean;
  /** Called for everything worth logging or showing. A listener that throws is ignored. */
  onEvent?: (event: LtsClientEvent) => void;
}

/** A grant: the client may work until `license.validUntil`. */
export interface LtsGrant {
  ok: true;
  license: LtsLicense;
  /** True when no server answered (or none was asked) and the cached grant was used. */
  fromCache: boolean;
  /** The server that granted it, null when from the cache. */
  server: ServerRole | null;
  /** The server's time at the grant (or at the cached grant). */
  serverTime: string;
}

/** A server's "no" (PROTOCOL.md, "Error codes"): an expected outcome, returned rather than thrown. */
export interface LtsRefusal {
  ok: false;
  /** The protocol's numeric code: the contract. */
  code: number;
  name: string;
  message: string;
  /** The server that refused; null when the refusal was remembered (usage exhausted) and no server answered. */
  server: ServerRole | null;
}

export type AuthorizeResult = LtsGrant | LtsRefusal;

export type ReleaseResult = { ok: true; released: boolean } | LtsRefusal;

/** What one `flush()` achieved. */
export interface FlushResult {
  /** Reports the server acknowledged (including duplicates of earlier attempts and reports answered 120). */
  sent: number;
  /** Records in those reports. */
  records: number;
  /** Reports and unsent slots given up on (too old, or refused as invalid). */
  dropped: number;
  /** Reports sealed but not acknowledged: they are retried as they are. */
  waitingReports: number;
  /** Slots counted and not yet put in a report. */
  pendingSlots: number;
  /** Why the flush stopped early (no server reachable, a refusal), or null. */
  stoppedBecause: string | null;
}

export type LtsClientState =
  /** No grant yet. */
  | "unauthorized"
  /** A grant that is still valid. */
  | "granted"
  /** The grant's validUntil has passed (or the clock cannot be trusted) and no server confirmed it again. */
  | "expired"
  /** A report was answered 120: usage exceeded; stop working until a new authorize grants again. */
  | "exhausted"
  /** The last authorize was refused. */
  | "refused";

export interface LtsClientStatus {
  state: LtsClientState;
  license: LtsLicense | null;
  /** The refusal behind `refused` or `exhausted`. */
  refusal: LtsRefusal | null;
  /** False while the local clock is more than 24 h behind the latest time seen. */
  clockTrusted: boolean;
  pendingSlots: number;
  waitingReports: number;
}

export type LtsClientEvent =
  | { type: "granted"; license: LtsLicense; server: ServerRole }
  | { type: "refused"; refusal: LtsRefusal; during: "authorize" | "report" | "release" }
  /** No server answered; the client works from its cached grant until `license.validUntil`. */
  | { type: "cache-used"; license: LtsLicense; reason: string }
  /** A server failed; the client tries `next` (null: none left). */
  | ({ type: "server-failed"; next: ServerRole | null } & FailedAttempt)
  /** A report was acknowledged; `usage` is the sum of its counts. */
  | { type: "report-sent"; reportId: string; records: number; usage: number; duplicate: boolean; server: ServerRole }
  /** A report was not acknowledged; it is kept as it is and retried. */
  | { type: "report-kept"; reportId: string; records: number; reason: string }
  /** Usage given up: `too-old` (a slot older than 30 days, which the server would refuse) or `rejected` (code 1). */
  | { type: "report-dropped"; reportId: string | null; records: number; reason: "too-old" | "rejected"; message: string }
  /** A report was answered 120: the grant is exhausted. */
  | { type: "exhausted"; refusal: LtsRefusal }
  /** The local clock is more than 24 h behind the latest time seen: the cache is not trusted. */
  | { type: "clock-rolled-back"; now: string; highWaterMark: string }
  | { type: "released"; itemId: string; server: ServerRole }
  /** Something in storage could not be read and was started afresh. */
  | { type: "storage-reset"; key: string; reason: string }
  /** A failure in background work (timer, storage writes); the client carries on. */
  | { type: "error"; during: "timer" | "storage"; message: string };
