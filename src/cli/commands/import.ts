import { readFileSync } from "node:fs";
import { loadConfig, type Config } from "../../config";
import { itemStatus, STATUS_LABELS } from "../../domain/item-status";
import { DEFAULT_GRACE_DAYS } from "../../domain/license";
import { MAX_LICENSE_FILE_BYTES } from "../../domain/license-file";
import { systemClock } from "../../lib/clock";
import type { LabelReader } from "../../services/machine-identity";
import { parseArgs } from "../args";
import { CommandError, UsageError } from "../errors";
import { print, refuseExtra, type LtsCommand } from "./command";

const OPTIONS = { code: { flag: "--code", env: "", value: "SUFFIX", help: "attach new items to {organizationId}-SUFFIX (created if missing)" } };

export const importCommand: LtsCommand = {
  name: "import",
  usage: [
    {
      line: "lts import FILE [--code SUFFIX] [--data-dir DIR]",
      summary: "what the Import License File page does; prints the items\nand the handshake code they went to",
    },
  ],
  serverOptions: ["dataDir"],
  options: OPTIONS,
  help: `Imports a license file (or a revocation) signed by an issuer this build trusts, as the Import
License File page does, for scripted installs. A running server on the same data dir sees the
items at once. New items go to the handshake code {organizationId}-SUFFIX, by default
{organizationId}-{licenseId}.`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"], OPTIONS);
    const [file, ...extra] = positionals;
    refuseExtra(extra);
    if (!file) throw new UsageError("Name the license file: lts import FILE [--code SUFFIX]");
    return print(await importLicense(loadConfig({ env, flags }), { file, codeSuffix: flags.code }));
  },
};

/**
 * `lts import FILE [--code SUFFIX]`: what the Import License File page does, for scripted
 * installs, with or without a running server on the same data dir (which sees the items at once).
 * New items go to `{organizationId}-{SUFFIX}`, default `{organizationId}-{licenseId}`.
 */
export async function importLicense(config: Config, input: { file: string; codeSuffix?: string }, readLabels?: LabelReader): Promise<string> {
  const bytes = readLicenseFile(input.file);
  const { withDataDir } = await import("../with-data-dir");
  const { importLicenseFile, openLicense } = await import("../../services/license-files");
  return withDataDir(
    config,
    async (ctx) => {
    await ctx.machine.refresh();
    const result = importLicenseFile(ctx, { file: bytes, machine: ctx.machine.binding(ctx.actor), codeSuffix: input.codeSuffix });
    const { payload } = openLicense(bytes, ctx.trustedIssuers);
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
    },
    readLabels,
  );
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
