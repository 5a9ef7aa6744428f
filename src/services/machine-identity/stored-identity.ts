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
  const labels = (JSON.parse(row.labels) as string[]).filter(isMachineLabel);
  const digests = JSON.parse(row.labelDigests) as Partial<Record<MachineLabel, string>>;
  return { uuid: row.uuid, labels, digests, customIdFile: row.customIdFile, updatedAt: row.updatedAt };
}

/** Writes the one identity row (insert or replace). Call inside the transaction with its audit row. */
export function storeIdentity(tx: Db, identity: StoredIdentity): void {
  const values = {
    uuid: identity.uuid,
    labels: JSON.stringify(identity.labels),
    labelDigests: JSON.stringify(identity.digests),
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
