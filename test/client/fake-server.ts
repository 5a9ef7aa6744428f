/**
 * A fake LTS server for the client library's tests: Bun.serve on 127.0.0.1 (port 0), answering
 * /api/v1/authorize, /report and /release the way PROTOCOL.md says, every answer signed with an
 * Ed25519 key made here with WebCrypto. Tests switch its behaviour (not ready, tampered body,
 * unpinned key, no signature, wrong nonce, slow, refusals, lost answers) and read what it got.
 */

export interface ServerKey {
  kid: string;
  /** Raw 32 bytes, base64url: what a license key pins. */
  publicKey: string;
  sign(bytes: Uint8Array): Promise<string>;
}

export async function makeServerKey(): Promise<ServerKey> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  return {
    kid: Buffer.from(digest).toString("hex").slice(0, 16),
    publicKey: Buffer.from(raw).toString("base64url"),
    sign: async (bytes) => Buffer.from(await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, bytes as Uint8Array<ArrayBuffer>)).toString("base64url"),
  };
}

/** `LTS1` + base64url(JSON): what the portal hands out. */
export function licenseKeyString(fields: Record<string, unknown>): string {
  return "LTS1" + Buffer.from(JSON.stringify(fields)).toString("base64url");
}

/** A URL on which nothing listens (a server started and stopped). */
export function closedUrl(): string {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const url = `http://127.0.0.1:${server.port}/`;
  server.stop(true);
  return url;
}

export type Behaviour =
  | "ok"
  /** Every answer is a refusal with code 100. */
  | "not-ready"
  /** The body is changed after signing. */
  | "tamper"
  /** Signed by a key that no license key pins. */
  | "unpinned"
  /** No LTS-Signature header. */
  | "unsigned"
  /** Echoes another nonce (a replayed answer). */
  | "wrong-nonce";

export interface ReceivedRequest {
  path: string;
  body: Record<string, any>;
}

export interface FakeServerOptions {
  key: ServerKey;
  /** The server's clock (serverTime, validUntil). Default Date.now. */
  now?: () => number;
  chargeWay?: string;
  itemId?: string;
  /** validUntil = now + this. Default 3 days (scan). */
  validForMs?: number;
  reportIntervalSeconds?: number;
  /** scan/page cap: a report that takes consumption above it is answered 120, and authorize is refused once consumption ≥ cap. */
  cap?: number;
  /** Base path, e.g. "/lts/". Default "/". */
  basePath?: string;
}

export class FakeServer {
  behaviour: Behaviour = "ok";
  /** Delay before every answer. */
  delayMs = 0;
  /** Never answer (until stopped): a server that takes the request and hangs. */
  stalled = false;
  /** Refuse authorize with this code (and name). */
  refuseAuthorize: { code: number; name: string } | null = null;
  /** Refuse reports with this code (and name); the report is not recorded. */
  refuseReports: { code: number; name: string } | null = null;
  /** Record the next N reports, then lose the answer (an unsigned 502): the client must retry. */
  loseNextReportAnswers = 0;
  readonly requests: ReceivedRequest[] = [];
  /** reportId → canonical records, as first accepted. */
  readonly reports = new Map<string, string>();
  consumed = 0;
  readonly url: string;
  private readonly server: ReturnType<typeof Bun.serve>;
  private readonly now: () => number;
  private readonly other: Promise<ServerKey> = makeServerKey();
  private readonly stopped = Promise.withResolvers<void>();

  constructor(private readonly options: FakeServerOptions) {
    this.now = options.now ?? Date.now;
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => this.handle(request) });
    this.url = `http://127.0.0.1:${this.server.port}${options.basePath ?? "/"}`;
  }

  stop(): void {
    this.stopped.resolve();
    this.server.stop(true);
  }

  /** The requests made to one endpoint ("authorize", "report", "release"). */
  received(endpoint: string): Record<string, any>[] {
    return this.requests.filter((r) => r.path.endsWith(`/api/v1/${endpoint}`)).map((r) => r.body);
  }

  private license(): Record<string, unknown> {
    const now = this.now();
    return {
      handshakeCode: "100200-appA",
      itemId: this.options.itemId ?? "1000001",
      chargeWay: this.options.chargeWay ?? "scan",
      product: "dbr",
      modules: ["qr", "oned"],
      instances: 1,
      itemExpiresAt: new Date(now + 365 * 86_400_000).toISOString(),
      validUntil: new Date(now + (this.options.validForMs ?? 3 * 86_400_000)).toISOString(),
      reportIntervalSeconds: this.options.reportIntervalSeconds ?? 180,
      handshakeUpdatedAt: "2026-01-01T00:00:00.000Z",
    };
  }

  private async handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const body = (await request.json().catch(() => ({}))) as Record<string, any>;
    this.requests.push({ path, body });
    if (this.stalled) await this.stopped.promise;
    if (this.delayMs > 0) await Bun.sleep(this.delayMs);
    const base = this.options.basePath ?? "/";
    const refuse = (code: number, name: string, status = 403) => this.answer({ ok: false, error: { code, name, message: `${name} (fake)` } }, body.nonce, status);
    if (this.behaviour === "not-ready") return refuse(100, "NOT_READY", 503);

    if (path === `${base}api/v1/authorize`) {
      if (this.refuseAuthorize) return refuse(this.refuseAuthorize.code, this.refuseAuthorize.name);
      if (this.options.cap !== undefined && this.consumed >= this.options.cap) return refuse(120, "USAGE_EXCEEDED");
      return this.answer({ ok: true, license: this.license() }, body.nonce);
    }
    if (path === `${base}api/v1/report`) {
      if (this.refuseReports) return refuse(this.refuseReports.code, this.refuseReports.name);
      const records = JSON.stringify(body.records);
      const seen = this.reports.get(body.reportId);
      if (seen !== undefined && seen !== records) return refuse(1, "INVALID_REQUEST", 400);
      if (seen === undefined) {
        this.reports.set(body.reportId, records);
        for (const record of body.records as { counts: Record<string, number> }[]) for (const n of Object.values(record.counts)) this.consumed += n;
      }
      if (this.loseNextReportAnswers > 0) {
        this.loseNextReportAnswers -= 1;
        return new Response("Bad Gateway", { status: 502 });
      }
      if (this.options.cap !== undefined && this.consumed > this.options.cap) return refuse(120, "USAGE_EXCEEDED");
      return this.answer({ ok: true, accepted: body.records.length, duplicate: seen !== undefined, license: this.license() }, body.nonce);
    }
    if (path === `${base}api/v1/release`) return this.answer({ ok: true }, body.nonce);
    return new Response("not found", { status: 404 });
  }

  private async answer(fields: Record<string, unknown>, nonce: unknown, status = 200): Promise<Response> {
    const echoed = this.behaviour === "wrong-nonce" ? "a-replayed-nonce-from-before" : nonce;
    const text = JSON.stringify({ ...fields, serverTime: new Date(this.now()).toISOString(), nonce: echoed });
    const bytes = new TextEncoder().encode(text);
    const key = this.behaviour === "unpinned" ? await this.other : this.options.key;
    const sig = await key.sign(bytes);
    const sent = this.behaviour === "tamper" ? text.replace(/"validUntil":"\d{4}/, '"validUntil":"2099').replace('"ok":', '"ok" :') : text;
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (this.behaviour !== "unsigned") headers["LTS-Signature"] = `keyid=${key.kid}, sig=${sig}`;
    return new Response(sent, { status, headers });
  }
}
