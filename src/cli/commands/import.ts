import { readFileSync } from "node:fs";
import type { Config } from "../../config";
import { closeDatabase } from "../../db/client";
import { openDataDir } from "../../db/data-dir";
import { itemStatus, STATUS_LABELS } from "../../domain/item-status";
import { DEFAULT_GRACE_DAYS } from "../../domain/license";
import { MAX_LICENSE_FILE_BYTES } from "../../domain/license-file";
import { systemClock } from "../../lib/clock";
import { consoleActor } from "../../services/context";
import { importLicenseFile, openLicense } from "../../services/license-files";
import { MachineIdentity, readHardwareLabels, type LabelReader } from "../../services/machine-identity";
import type { IssuerPublicKey } from "../../domain/issuer-key";
import { CommandError } from "../errors";

/**
 * `lts import FILE [--code SUFFIX]`: what the Import License File page does, for scripted
 * installs, with or without a running server on the same data dir (which sees the items at once).
 * New items go to `{organizationId}-{SUFFIX}`, default `{organizationId}-{licenseId}`.
 */
export async function importCommand(
  config: Config,
  input: { file: string; codeSuffix?: string; trusted: IssuerPublicKey[] },
  readLabels: LabelReader = readHardwareLabels,
): Promise<string> {
  const bytes = readLicenseFile(input.file);
  const db = openDataDir(config.dataDir);
  try {
    const machine = new MachineIdentity(db, readLabels);
    await machine.refresh();
    const result = importLicenseFile({ db, clock: systemClock, actor: consoleActor }, { file: bytes, trusted: input.trusted, machine: machine.binding(consoleActor), codeSuffix: input.codeSuffix });
    const { payload } = openLicense(bytes, input.trusted);
    const now = systemClock.now();
    const lines = [result.message];
    if (result.code) lines.push(`New items are attached to handshake code ${result.code}.`);
    if (result.demo) lines.push("Note: this file is signed by the demo issuer (for trying LTS out, not for production).");
    if (result.kind !== "revocation" && result.kind !== "no-op") {
      lines.push("", `License ${payload.licenseId} (${payload.alias}) for ${payload.licensee}, organization ${payload.organizationId}:`);
      for (const item of payload.items) {
        const dates = { startsAt: new Date(item.startsAt), expiresAt: new Date(item.expiresAt), graceDays: item.graceDays ?? DEFAULT_GRACE_DAYS, revokedAt: null };
        lines.push(
          `  ${item.itemId.padEnd(18)} ${item.chargeWay.padEnd(19)} ${String(item.quantity).padStart(8)}  ${item.startsAt.slice(0, 10)} → ${item.expiresAt.slice(0, 10)}  ${STATUS_LABELS[itemStatus(dates, now)]}  ${item.description}`,
        );
      }
    }
    return lines.join("\n");
  } finally {
    closeDatabase(db);
  }
}

function readLicenseFile(path: string): Uint8Array {
  try {
    const bytes = readFileSync(path);
    if (bytes.byteLength > MAX_LICENSE_FILE_BYTES) throw new CommandError(`${path} is ${(bytes.byteLength / 1e6).toFixed(1)} MB; license files are a few KB. Check the file name.`);
    return new Uint8Array(bytes);
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}. Nothing changed.`);
  }
}
