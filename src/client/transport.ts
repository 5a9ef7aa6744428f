import { randomToken } from "./base64url";
import { TRANSIENT_CODES } from "./protocol";
import { SIGNATURE_HEADER, type PinnedKeys } from "./signature";
import type { LtsTimers } from "./types";

/** Which of the license key's servers answered (or failed). */
export type ServerRole = "main" | "standby";

/** A refusal as the server states it (`{"ok": false, "error": {...}}`). */
export interface ServerRefusal {
  code: number;
  name: string;
  message: string;
}

/** A verified answer: signed by a pinned key and echoing the request's nonce. */
export interface VerifiedAnswer {
  server: ServerRole;
  status: number;
  body: Record<string, unknown>;
  /** The server's `serverTime` in ms, when it sent a valid one. */
  serverTime: number | null;
  /** Set when `ok` is false. */
  refusal: ServerRefusal | null;
}

/** One server that could not give a usable answer, and why. */
export interface FailedAttempt {
  server: ServerRole;
  url: string;
  reason: string;
}

export type PostOutcome =
  /** A server gave a decision (a success or a refusal that is not transient). */
  | { kind: "answer"; answer: VerifiedAnswer; failed: FailedAttempt[] }
  /** No server decided. `transient` is the last verified "not now" answer (100, 2, 3), if any. */
  | { kind: "unavailable"; transient: VerifiedAnswer | null; failed: FailedAttempt[] };

export interface TransportOptions {
  servers: { role: ServerRole; url: string }[];
  keys: () => Promise<PinnedKeys>;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  timeoutMs: number;
  timers: LtsTimers;
  /** Called for every verified answer (for the clock high-water mark). */
  onServerTime(ms: number): void;
  /** Called when a server fails and the next one (if any) is tried. */
  onFailedAttempt(attempt: FailedAttempt, next: ServerRole | null): void;
}

const DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * POSTs a request to main, then to standby when main cannot answer: network errors, timeouts,
 * responses not signed by a pinned key or echoing another nonce, and "not now" refusals (100,
 * 2, 3). Every request starts again at main. Each attempt gets a fresh nonce.
 */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  async post(path: string, payload: Record<string, unknown>): Promise<PostOutcome> {
    const { servers } = this.options;
    const failed: FailedAttempt[] = [];
    let transient: VerifiedAnswer | null = null;
    for (const [i, server] of servers.entries()) {
      const url = new URL(path, server.url).href;
      const result = await this.attempt(server.role, url, payload);
      if (typeof result !== "string" && !(result.refusal && TRANSIENT_CODES.has(result.refusal.code))) {
        return { kind: "answer", answer: result, failed };
      }
      if (typeof result !== "string") transient = result;
      const reason = typeof result === "string" ? result : `${result.refusal!.name} (${result.refusal!.code}): ${result.refusal!.message}`;
      const attempt = { server: server.role, url, reason };
      failed.push(attempt);
      this.options.onFailedAttempt(attempt, servers[i + 1]?.role ?? null);
    }
    return { kind: "unavailable", transient, failed };
  }

  /** A verified answer, or why there is none. */
  private async attempt(server: ServerRole, url: string, payload: Record<string, unknown>): Promise<VerifiedAnswer | string> {
    const nonce = randomToken(24);
    const { timeoutMs } = this.options;
    let status: number;
    let header: string | null;
    let bytes: Uint8Array<ArrayBuffer>;
    const abort = new AbortController();
    const timeout = this.options.timers.setTimeout(() => abort.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
    try {
      const response = await this.options.fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...payload, nonce }),
        signal: abort.signal,
      });
      status = response.status;
      header = response.headers.get(SIGNATURE_HEADER);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      const name = error instanceof Error ? error.name : "";
      if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs} ms`;
      return `cannot reach the server: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.options.timers.clearTimeout(timeout);
    }
    const problem = await (await this.options.keys()).check(header, bytes);
    if (problem) return `rejected the response (HTTP ${status}): ${problem}`;
    let body: unknown;
    try {
      body = JSON.parse(DECODER.decode(bytes));
    } catch {
      return `rejected the response (HTTP ${status}): the body is not JSON`;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return "rejected the response: the body is not a JSON object";
    const fields = body as Record<string, unknown>;
    if (fields.nonce !== nonce) return "rejected the response: it does not echo this request's nonce (a replayed answer?)";
    const serverTime = typeof fields.serverTime === "string" ? Date.parse(fields.serverTime) : NaN;
    if (Number.isFinite(serverTime)) this.options.onServerTime(serverTime);
    let refusal: ServerRefusal | null = null;
    if (fields.ok === false) {
      const error = fields.error as Record<string, unknown> | undefined;
      if (typeof error !== "object" || error === null || typeof error.code !== "number") return "rejected the response: a refusal without an error code";
      refusal = { code: error.code, name: typeof error.name === "string" ? error.name : "ERROR", message: typeof error.message === "string" ? error.message : "" };
    } else if (fields.ok !== true) {
      return 'rejected the response: "ok" is neither true nor false';
    }
    return { server, status, body: fields, serverTime: Number.isFinite(serverTime) ? serverTime : null, refusal };
  }
}
