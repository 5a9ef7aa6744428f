import type { Context } from "hono";
import { API_ERRORS, type Refusal } from "../../../domain/api-errors";
import type { Deps } from "../../../deps";
import type { AppEnv } from "../../env";

/**
 * Every API answer goes out through here: the body gets `serverTime` and the request's nonce,
 * and the header `LTS-Signature: keyid=<kid>, sig=<base64url>` — Ed25519 over the exact body
 * bytes with the instance key (PROTOCOL.md, "Conventions").
 */
export function signedJson(c: Context<AppEnv>, deps: Deps, status: number, payload: object, nonce: string | null): Response {
  const body = JSON.stringify({ ...payload, serverTime: deps.clock.now().toISOString(), ...(nonce ? { nonce } : {}) });
  const bytes = utf8.encode(body);
  return new Response(bytes, {
    status,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "LTS-Signature": `keyid=${deps.instanceKey.kid}, sig=${deps.instanceKey.sign(bytes)}`,
    },
  });
}

const utf8 = new TextEncoder();

/** A refusal: `{"ok": false, "error": {"code", "name", "message"}}` with its HTTP status. */
export function refusalResponse(c: Context<AppEnv>, deps: Deps, refusal: Refusal, nonce: string | null, status: number = API_ERRORS[refusal.code].http): Response {
  const response = signedJson(c, deps, status, { ok: false, error: { code: refusal.code, name: API_ERRORS[refusal.code].name, message: refusal.message } }, nonce);
  if (refusal.retryAfterSeconds) response.headers.set("Retry-After", String(refusal.retryAfterSeconds));
  return response;
}
