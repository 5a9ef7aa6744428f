import { closeDatabase, type Db } from "../../src/db/client";
import { openDataDir } from "../../src/db/data-dir";
import { GroupCommit } from "../../src/db/group-commit";
import type { LicenseItem } from "../../src/domain/license";
import { FailureLimiter } from "../../src/domain/request-limiter";
import { ManualClock } from "../../src/lib/clock";
import type { ApiContext } from "../../src/services/authorization/context";
import { importLicenseFile } from "../../src/services/license-files";
import { UsageStore } from "../../src/services/usage/usage-store";
import { trustedIssuers } from "../../src/trusted-issuers";
import { activatedLicense, signed } from "./licenses";
import { tempDir } from "./temp";

// For tests of two connections to one database file (what the server and an admin command, or
// two processes, share): a data dir on disk, and the API context a server builds on its connection.

export const SHARED_UUID = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0";

/** A data dir on disk holding one imported license with `items`, attached to {org}-appA. */
export function seededDataDir(prefix: string, items: LicenseItem[]): string {
  const dir = tempDir(prefix);
  const db = openDataDir(dir);
  const file = new TextEncoder().encode(signed(activatedLicense(SHARED_UUID, { items })));
  importLicenseFile(
    { db, clock: new ManualClock(), actor: { kind: "console", ip: null }, trustedIssuers: trustedIssuers() },
    { file, machine: { uuid: SHARED_UUID, storedUuid: SHARED_UUID, adopt: () => {} }, codeSuffix: "appA" },
  );
  closeDatabase(db);
  return dir;
}

/** What the server builds on its connection: its store and its group commit. */
export function apiContextOn(db: Db): ApiContext {
  const commit = new GroupCommit(db);
  return {
    db,
    atomically: (work) => commit.run(work),
    store: new UsageStore(db),
    clock: new ManualClock(),
    instanceKey: { mac: () => "" },
    passwordLimiter: new FailureLimiter(),
    notReady: () => null,
    source: { ip: "192.0.2.1", origin: null },
  };
}
