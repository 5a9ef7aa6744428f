import { constantTimeEqual, randomToken } from "../../lib/ids";
import type { InstanceKey } from "../instance-key";

/**
 * Device cookies (OWASP, "Blocking Brute Force Attacks"): after a successful login the browser
 * gets a long-lived cookie holding a random device id and its HMAC under the instance key. A login
 * that shows a valid one is throttled per device only (see LoginThrottle), so an attacker who
 * drains the global limit or locks the admin's address cannot lock the admin out, and cannot make
 * such a cookie without the server's key.
 */
export const LOGIN_DEVICE_MAX_AGE_SECONDS = 365 * 86_400;

// Domain separation: the instance key's MAC also compares session passwords.
const macOf = (key: Pick<InstanceKey, "mac">, id: string) => key.mac(`lts/login-device/${id}`);

/** A new device cookie value: `<id>.<mac>`. */
export function newLoginDevice(key: Pick<InstanceKey, "mac">): string {
  const id = randomToken(16);
  return `${id}.${macOf(key, id)}`;
}

/** The device id a cookie value names, or null when it is absent, malformed or not ours. */
export function verifiedLoginDevice(key: Pick<InstanceKey, "mac">, cookie: string | undefined): string | null {
  const m = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? "");
  return m && constantTimeEqual(m[2]!, macOf(key, m[1]!)) ? m[1]! : null;
}
