import type { ServiceContext } from "../context";
import type { InstanceKey } from "../instance-key";
import type { ServerOrigin } from "../settings";

/** What the verbs that change codes need: storage, time, who acts, and the key that seals session passwords. */
export interface HandshakeCodeContext extends Pick<ServiceContext, "db" | "clock" | "actor"> {
  instanceKey: InstanceKey;
}

/** What reading codes with their license keys needs: the instance key and where the server listens. */
export interface LicenseKeyContext extends Pick<ServiceContext, "db" | "clock"> {
  instanceKey: InstanceKey;
  origin: ServerOrigin;
}
