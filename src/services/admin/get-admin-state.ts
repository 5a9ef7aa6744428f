import type { Db } from "../../db/client";
import { adminCredentials } from "../../db/schema";

/** Whether the management password has been set (false = first run). */
export function isPasswordSet(db: Db): boolean {
  return db.select({ id: adminCredentials.id }).from(adminCredentials).get() !== undefined;
}

export function storedPasswordHash(db: Db): string | null {
  return db.select({ hash: adminCredentials.passwordHash }).from(adminCredentials).get()?.hash ?? null;
}
