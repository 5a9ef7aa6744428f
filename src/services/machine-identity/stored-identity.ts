import { count } from "drizzle-orm";
import type { Db } from "../../db/client";
import { licenses, machineIdentity } from "../../db/schema";
import { isMachineLabel, type MachineLabel } from "../../domain/machine-uuid";
import type { ServiceContext } from "../context";
import type { MachineIdentity } from "./machine-identity";

/** What the machine-identity verbs run with: storage, time, who acts, and the machine's label reader. */
export type MachineContext = Pick<ServiceContext, "db" | "clock" | "actor"> & { machine: Pick<MachineIdentity, "readLabels"> };

/** The binding as stored by Generate UUID. */
export interface StoredIdentity {
  uuid: string;
  labels: MachineLabel[];
  /** label → hex SHA-256 of the value used. */
  digests: Partial<Record<MachineLabel, string>>;
  customIdFile: string | null;
  updatedAt: Date;
}

/** The stored machine identity, or null before the first Generate UUID. */
export function loadStoredIdentity(db: Db): StoredIdentity | null {
  const row = db.select().from(machineIdentity).get();
  if (!row) return null;
  return { uuid: row.uuid, labels: row.labels.filter(isMachineLabel), digests: row.labelDigests, customIdFile: row.customIdFile, updatedAt: row.updatedAt };
}

/** Writes the one identity row (insert or replace). Call inside the transaction with its audit row. */
export function storeIdentity(tx: Db, identity: StoredIdentity): void {
  const values = {
    uuid: identity.uuid,
    labels: identity.labels,
    labelDigests: identity.digests,
    customIdFile: identity.customIdFile,
    updatedAt: identity.updatedAt,
  };
  tx.insert(machineIdentity)
    .values({ id: 1, ...values })
    .onConflictDoUpdate({ target: machineIdentity.id, set: values })
    .run();
}

/** How many licenses are imported (all of them are bound to the stored UUID). */
export function countImportedLicenses(db: Db): number {
  return db.select({ n: count() }).from(licenses).get()?.n ?? 0;
}
