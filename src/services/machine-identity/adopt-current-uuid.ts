import type { Db } from "../../db/client";
import type { MachineLabel } from "../../domain/machine-uuid";
import { recordAuditEvent } from "../audit";
import type { Actor } from "../context";
import { loadStoredIdentity, storeIdentity } from "./stored-identity";

/** The identity this hardware gives now for the stored label choice (digests only). */
export interface CurrentIdentity {
  uuid: string;
  labels: MachineLabel[];
  digests: Partial<Record<MachineLabel, string>>;
  customIdFile: string | null;
}

/**
 * Rebinds the server to the UUID its hardware gives now (same labels, new values): called by the
 * license import when, during a mismatch, a license re-activated for `current.uuid` is imported.
 * Synchronous, to run inside the caller's transaction; audited as `uuid.rebound`. Returns the
 * previous UUID, or null when nothing changed (the stored identity already is `current`).
 * Prefer `deps.machine.adoptCurrentUuid(tx, at)`, which passes the identity it computed.
 */
export function adoptCurrentUuid(tx: Db, at: Date, current: CurrentIdentity, actor: Actor): { uuid: string; previousUuid: string | null } | null {
  const stored = loadStoredIdentity(tx);
  const same = stored && stored.uuid === current.uuid && current.labels.every((l) => stored.digests[l] === current.digests[l]);
  if (same) return null;
  storeIdentity(tx, { ...current, updatedAt: at });
  recordAuditEvent(tx, at, actor, "uuid.rebound", { uuid: current.uuid, previousUuid: stored?.uuid ?? null, labels: current.labels });
  return { uuid: current.uuid, previousUuid: stored?.uuid ?? null };
}
