import { constantTimeEqual } from "../../lib/ids";
import type { InstanceKey } from "../instance-key";
import type { HandshakeCodeRow } from "./ensure-handshake-code";

/**
 * Session passwords (DESIGN.md, "Handshake codes"): a shared secret that travels in every app's
 * license key, so it is kept encrypted with the instance key (to regenerate keys) plus an HMAC (to
 * compare in constant time), never hashed with argon2, never logged or audited.
 */
export function sealSessionPassword(key: Pick<InstanceKey, "seal" | "mac">, password: string): { sessionPasswordEnc: string; sessionPasswordMac: string } {
  return { sessionPasswordEnc: key.seal(password), sessionPasswordMac: key.mac(password) };
}

/** The stored session password in clear, for the license key; null when none or when it cannot be decrypted. */
export function revealSessionPassword(key: Pick<InstanceKey, "unseal">, row: Pick<HandshakeCodeRow, "sessionPasswordEnc">): string | null {
  if (!row.sessionPasswordEnc) return null;
  try {
    return key.unseal(row.sessionPasswordEnc);
  } catch {
    return null;
  }
}

/**
 * Whether a request's session password fits the code (PROTOCOL.md, code 102): true when the code
 * has none; otherwise the given one must match, compared in constant time.
 */
export function sessionPasswordMatches(key: Pick<InstanceKey, "mac">, row: Pick<HandshakeCodeRow, "sessionPasswordMac">, given: string | undefined | null): boolean {
  if (!row.sessionPasswordMac) return true;
  return typeof given === "string" && constantTimeEqual(key.mac(given), row.sessionPasswordMac);
}
