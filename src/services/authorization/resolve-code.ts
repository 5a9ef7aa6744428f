import { addressKey } from "../../domain/address-key";
import { refuse, type Refusal } from "../../domain/api-errors";
import { constantTimeEqual } from "../../lib/ids";
import type { ApiCode } from "../usage/usage-store";
import type { ApiContext } from "./context";

/**
 * The checks every API request makes before its items, in PROTOCOL.md's order: 123, 121 (org
 * unknown), 101, 122, 121 (no default), 102 (rate-limited to code 3 per source), 103/114.
 * The validation fields (103/114) are authorize's only: a report carries none (PROTOCOL.md,
 * "POST /api/v1/report": 1, 100, 101, 102, then 104), so `validate: false` skips them.
 */
export function resolveCode(
  ctx: ApiContext,
  req: { handshakeCode?: string; organizationId?: string; sessionPassword?: string; validation?: { domain?: string; appId?: string; processName?: string } },
  now: number,
  options: { validate: boolean } = { validate: true },
): ApiCode | Refusal {
  const source = addressKey(ctx.source.ip);
  const wait = ctx.passwordLimiter.retryAfterSeconds(source, now);
  if (wait > 0) return refuse(3, `Too many wrong session passwords from this address; retry in ${wait} s.`, wait);

  if (!req.handshakeCode && !req.organizationId) return refuse(123, "Give a handshakeCode or an organizationId (your license key has both).");
  if (req.organizationId && !ctx.store.organizationExists(req.organizationId)) return refuse(121, `Organization ${req.organizationId} has no licenses on this server.`);
  let code: ApiCode | null;
  if (req.handshakeCode) {
    code = ctx.store.codeByName(req.handshakeCode);
    if (!code || !code.enabled) return refuse(101, `Handshake code ${req.handshakeCode} is ${code ? "disabled" : "unknown"} on this server.`);
    if (req.organizationId && code.organizationId !== req.organizationId) return refuse(122, `Handshake code ${code.code} does not belong to organization ${req.organizationId}.`);
  } else {
    code = ctx.store.defaultCode(req.organizationId!);
    if (!code || !code.enabled) return refuse(121, `Organization ${req.organizationId} has no enabled default handshake code.`);
  }

  if (code.sessionPasswordMac && !constantTimeEqual(ctx.instanceKey.mac(req.sessionPassword ?? ""), code.sessionPasswordMac)) {
    ctx.passwordLimiter.failed(source, now);
    return refuse(102, `The session password for ${code.code} does not match.`);
  }
  if (!options.validate) return code;
  const v = req.validation ?? {};
  if (code.validationDomains.length > 0) {
    const domain = requestDomain(ctx.source.origin, v.domain);
    if (!domain || !code.validationDomains.some((d) => domainMatches(domain, d))) return refuse(103, `The domain ${domain ?? "(none given)"} is not allowed for ${code.code}.`);
  }
  if (code.validationAppIds.length > 0 && !(v.appId && code.validationAppIds.includes(v.appId))) return refuse(114, `The application id ${v.appId ?? "(none given)"} is not allowed for ${code.code}.`);
  if (code.validationProcessNames.length > 0 && !(v.processName && code.validationProcessNames.includes(v.processName))) {
    return refuse(114, `The process name ${v.processName ?? "(none given)"} is not allowed for ${code.code}.`);
  }
  return code;
}

/** The domain a request comes from: its browser's Origin header, else what the client says. */
export function requestDomain(origin: string | null, claimed: string | undefined): string | null {
  if (origin && origin !== "null") {
    try {
      return new URL(origin).hostname.toLowerCase();
    } catch {
      return null;
    }
  }
  return claimed?.toLowerCase().replace(/\.$/, "") ?? null;
}

/** `app.example.com` matches `example.com`; `badexample.com` does not. */
export function domainMatches(domain: string, allowed: string): boolean {
  const a = allowed.toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
  return domain === a || domain.endsWith(`.${a}`);
}

export const isRefusal = (x: unknown): x is Refusal => typeof x === "object" && x !== null && "code" in x && typeof (x as Refusal).code === "number";
