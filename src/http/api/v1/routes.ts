import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import * as v from "valibot";
import { addressKey } from "../../../domain/address-key";
import { refuse } from "../../../domain/api-errors";
import { ApiRateLimiter } from "../../../domain/api-rate-limiter";
import { storageFailure } from "../../../lib/storage-failure";
import type { Deps } from "../../../deps";
import { authorize, AuthorizeRequest, release, ReleaseRequest, report, ReportRequest, type ApiContext } from "../../../services/authorization";
import type { AppEnv } from "../../env";
import { ApiCounters, type ApiResult, type ResultCounts } from "./counters";
import { refusalResponse, signedJson } from "./respond";

/** Request body limits (PROTOCOL.md, "Conventions"). */
export const API_BODY_LIMIT = 64 * 1024;
export const REPORT_BODY_LIMIT = 256 * 1024;
/** Retry-After of a code 2 refusal (the server could not record the request). */
const RETRY_AFTER_SECONDS = 5;

/**
 * The client protocol, v1 (PROTOCOL.md), mounted at /api/v1:
 *   POST /authorize   POST /report   POST /release   GET /server-key
 * Open to any origin without credentials (CORS); authorization rests on the handshake code, its
 * session password and validation fields. Every answer is signed with the instance key.
 */
export function createApiRoutes(deps: Deps, counters = new ApiCounters()): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  const shared = sharedContext(deps);
  api.use(cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"], allowHeaders: ["Content-Type"], exposeHeaders: ["LTS-Signature"], maxAge: 86_400 }));
  // Per source address, before any work: past the limit, 429 with code 3 (PROTOCOL.md, "Error codes").
  const limiter = new ApiRateLimiter(deps.settings.apiRateLimit);
  api.use(async (c, next) => {
    const wait = limiter.take(addressKey(c.get("ip")), deps.clock.now().getTime()); // c.get: c.var copies every variable
    if (wait === 0) return next();
    counterOf(counters, c.req.path)?.add(3);
    // The nonce is echoed, as on every answer, so the client does not take the refusal for a replay.
    const parsed = c.req.method === "POST" ? await parseRequest(c, v.unknown(), REPORT_BODY_LIMIT) : null;
    return refusalResponse(c, deps, refuse(3, `Too many requests from this address; retry in ${wait} s.`, wait), parsed?.ok ? nonceOf(parsed.value) : null);
  });
  api.onError((error, c) => {
    // Cannot answer: most likely the database (disk full, I/O error). The client retries later.
    const storage = storageFailure(error);
    deps.logger.error(storage?.log ?? "api request failed", { requestId: c.get("requestId"), path: c.req.path, error });
    counterOf(counters, c.req.path)?.add(2);
    return refusalResponse(c, deps, refuse(2, "The server could not record this request. Retry later.", RETRY_AFTER_SECONDS), requestNonces.get(c.req.raw) ?? null, 503);
  });

  api.post("/authorize", async (c) => {
    const parsed = await parseRequest(c, AuthorizeRequest, API_BODY_LIMIT);
    if (!parsed.ok) return counted(counters.authorize, 1, refusalResponse(c, deps, refuse(1, parsed.message), parsed.nonce, parsed.status));
    const outcome = await authorize(apiContext(c, shared), parsed.value);
    counters.authorize.add(outcome.granted ? "ok" : outcome.refusal.code);
    return outcome.granted ? signedJson(c, deps, 200, { ok: true, license: outcome.license }, parsed.value.nonce) : refusalResponse(c, deps, outcome.refusal, parsed.value.nonce);
  });

  api.post("/report", async (c) => {
    const parsed = await parseRequest(c, ReportRequest, REPORT_BODY_LIMIT);
    if (!parsed.ok) return counted(counters.report, 1, refusalResponse(c, deps, refuse(1, parsed.message), parsed.nonce, parsed.status));
    const outcome = await report(apiContext(c, shared), parsed.value);
    counters.report.add(outcome.ok ? "ok" : outcome.refusal.code);
    return outcome.ok ? signedJson(c, deps, 200, outcome, parsed.value.nonce) : refusalResponse(c, deps, outcome.refusal, parsed.value.nonce);
  });

  api.post("/release", async (c) => {
    const parsed = await parseRequest(c, ReleaseRequest, API_BODY_LIMIT);
    if (!parsed.ok) return refusalResponse(c, deps, refuse(1, parsed.message), parsed.nonce, parsed.status);
    const outcome = await release(apiContext(c, shared), parsed.value);
    return outcome.ok ? signedJson(c, deps, 200, { ok: true }, parsed.value.nonce) : refusalResponse(c, deps, outcome.refusal, parsed.value.nonce);
  });

  api.get("/server-key", (c) => signedJson(c, deps, 200, { keyId: deps.instanceKey.kid, algorithm: "Ed25519", publicKey: deps.instanceKey.publicKey }, null));

  api.all("*", async (c) => {
    // A client that posts to a wrong path still gets its nonce back, so the 404 is not taken for a replay.
    const parsed = c.req.method === "POST" ? await parseRequest(c, v.unknown(), API_BODY_LIMIT) : null;
    return refusalResponse(c, deps, refuse(1, `There is no ${c.req.method} ${c.req.path} in the API: see PROTOCOL.md.`), parsed?.ok ? nonceOf(parsed.value) : null, 404);
  });
  return api;
}

/** The counts a refusal answered outside the verb (rate limit, cannot record) goes to, by path. */
function counterOf(counters: ApiCounters, path: string): ResultCounts | null {
  return path.endsWith("/report") ? counters.report : path.endsWith("/authorize") ? counters.authorize : null;
}

/** Counts a refusal answered before the verb ran (a malformed request). */
function counted(counts: ResultCounts, result: ApiResult, response: Response): Response {
  counts.add(result);
  return response;
}

/** What every request's ApiContext shares: made once, at start. */
function sharedContext(deps: Deps): Omit<ApiContext, "source"> {
  return {
    db: deps.db,
    atomically: (work) => deps.groupCommit.run(work),
    store: deps.usageStore,
    clock: deps.clock,
    instanceKey: deps.instanceKey,
    passwordLimiter: deps.passwordLimiter,
    notReady: () => {
      const status = deps.machine.status();
      return status.ready ? null : `This server cannot authorize clients now: ${status.reason}.`;
    },
  };
}

function apiContext(c: Context<AppEnv>, shared: Omit<ApiContext, "source">): ApiContext {
  return { ...shared, source: { ip: c.get("ip"), origin: c.req.raw.headers.get("origin") } };
}

/** The valid nonce of each request being answered, so that even a failure (code 2) can echo it. */
const requestNonces = new WeakMap<Request, string>();

/** A body's `nonce` when it is a valid one (PROTOCOL.md, "Conventions"), else null. */
function nonceOf(x: unknown): string | null {
  const n = typeof x === "object" && x !== null ? (x as { nonce?: unknown }).nonce : undefined;
  return typeof n === "string" && /^[A-Za-z0-9_-]{16,64}$/.test(n) ? n : null;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; status: 400 | 413; message: string; nonce: string | null };

/**
 * Reads a JSON body of at most `limit` bytes and checks it against `schema`. A failure says what
 * is wrong (the first problems, by field) and keeps the nonce, when there was a valid one, to echo.
 */
async function parseRequest<S extends v.GenericSchema>(c: Context<AppEnv>, schema: S, limit: number): Promise<Parsed<v.InferOutput<S>>> {
  const bytes = await readLimited(c.req.raw, limit);
  if (bytes === null) return { ok: false, status: 413, message: `The body is larger than ${limit / 1024} KiB.`, nonce: null };
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch {
    return { ok: false, status: 400, message: "The body is not valid UTF-8 JSON.", nonce: null };
  }
  const nonce = nonceOf(json);
  if (nonce) requestNonces.set(c.req.raw, nonce);
  const result = v.safeParse(schema, json);
  if (result.success) return { ok: true, value: result.output };
  const problems = result.issues.slice(0, 5).map((i) => `${v.getDotPath(i) ?? "body"}: ${i.message.startsWith("Invalid key") ? "is not a field of this request (v1 requests are strict); remove it" : i.message}`);
  return { ok: false, status: 400, message: `The request does not fit the protocol: ${problems.join("; ")}.`, nonce };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The body, or null past `limit` bytes. With a Content-Length (what clients send) the size is
 * known before reading, and the body is read in one piece: Bun hands over exactly that many
 * bytes. A chunked body (no Content-Length) is read chunk by chunk and given up past the limit.
 */
async function readLimited(request: Request, limit: number): Promise<Uint8Array | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > limit) return null;
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > limit ? null : bytes; // a Request made in-process may lie about its length
  }
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) (out.set(chunk, at), (at += chunk.byteLength));
  return out;
}
