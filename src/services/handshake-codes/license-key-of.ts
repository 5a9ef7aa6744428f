import { encodeLicenseKey } from "../../domain/license-key";
import type { InstanceKey } from "../instance-key";
import type { ServerUrls } from "../settings";
import type { HandshakeCodeRow } from "./ensure-handshake-code";
import { revealSessionPassword } from "./session-password";

/**
 * A code's license key with the server URLs in effect (read them once with readServerUrls for a
 * list). Null when the code has a session password this instance key cannot decrypt (a database
 * restored without its instance-key.pem): setting the password again fixes it.
 */
export function licenseKeyOf(row: Pick<HandshakeCodeRow, "code" | "organizationId" | "sessionPasswordEnc">, urls: ServerUrls, key: Pick<InstanceKey, "unseal">): string | null {
  const sp = revealSessionPassword(key, row);
  if (row.sessionPasswordEnc && sp === null) return null;
  return encodeLicenseKey({
    hc: row.code,
    org: row.organizationId,
    main: urls.main,
    ...(urls.standby ? { standby: urls.standby } : {}),
    ...(sp !== null ? { sp } : {}),
    pk: urls.publicKeys,
  });
}
