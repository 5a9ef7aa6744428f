import { randomInt } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { CommandError, UsageError } from "../cli/errors";
import { DEMO_ISSUER } from "../domain/demo-issuer";
import { IssuerKeyError, issuerPublicKeyFromPem, issuerSignerFromPem, type IssuerPublicKey, type IssuerSigner } from "../domain/issuer-key";
import { graceDaysOf, itemServesUntil, ORGANIZATION_ID_PATTERN, type LicenseItem, type LicensePayload } from "../domain/license";
import { LicenseFileError, openLicenseFile, type OpenedLicenseFile } from "../domain/license-file";
import type { CommandLine, FlagSpec } from "./args";
import { DEMO_ISSUER_PRIVATE_KEY_PEM } from "./demo-issuer-key";

/** What a command needs from outside: the time (tests may fix it). */
export interface VendorContext {
  now(): Date;
}

/** What a command printed, and its exit code (1 when it reports a failed check, e.g. inspect). */
export interface CommandOutput {
  text: string;
  exitCode: 0 | 1;
}

export interface VendorCommand {
  name: string;
  usage: string;
  summary: string;
  help: string;
  flags: Record<string, FlagSpec>;
  run(line: CommandLine, ctx: VendorContext): CommandOutput;
}

// ---- signing keys --------------------------------------------------------------------------------

export const SIGNING_FLAGS: Record<string, FlagSpec> = { "--key": { value: "DIR/issuer.key" }, "--demo": {} };

export const SIGNING_HELP = `  --key DIR/issuer.key   your issuer's private key (from 'lts-vendor keygen')
  --demo                 sign with the repository's demo issuer instead: for trying LTS out only;
                         a build of lts made with --issuer-key refuses such files`;

/** The signer chosen by exactly one of --key FILE and --demo. */
export function signerFrom(line: CommandLine): IssuerSigner {
  const keyFile = line.optional("--key");
  const demo = line.has("--demo");
  if (keyFile !== undefined && demo) throw new UsageError("Give either --key DIR/issuer.key or --demo, not both.");
  if (demo) return issuerSignerFromPem(DEMO_ISSUER_PRIVATE_KEY_PEM, true);
  if (keyFile === undefined) {
    throw new UsageError(`'lts-vendor ${line.command}' signs with your issuer key: add --key DIR/issuer.key (made by 'lts-vendor keygen'), or --demo to try LTS out with the demo issuer.`);
  }
  try {
    const signer = issuerSignerFromPem(readText("--key", keyFile));
    return signer.kid === DEMO_ISSUER.kid ? issuerSignerFromPem(DEMO_ISSUER_PRIVATE_KEY_PEM, true) : signer;
  } catch (err) {
    if (err instanceof IssuerKeyError) throw new CommandError(`--key ${keyFile} ${err.message}`);
    throw err;
  }
}

/** An issuer.pub (SPKI PEM) given with `flag`. */
export function publicKeyFrom(flag: string, file: string): IssuerPublicKey {
  try {
    const key = issuerPublicKeyFromPem(readText(flag, file));
    return key.kid === DEMO_ISSUER.kid ? DEMO_ISSUER : key;
  } catch (err) {
    if (err instanceof IssuerKeyError) throw new CommandError(`${flag} ${file} ${err.message}`);
    throw err;
  }
}

/** Opens a license file given with `flag`, trusting only `key`: the one the vendor signs with. */
export function openOwnLicense(flag: string, file: string, key: IssuerPublicKey): OpenedLicenseFile {
  const bytes = readBytes(flag, file);
  try {
    return openLicenseFile(bytes, [key]);
  } catch (err) {
    if (!(err instanceof LicenseFileError)) throw err;
    if (err.reason === "unknown-key") {
      const kid = /issuer key (\w+)/.exec(err.message)?.[1] ?? "another key";
      throw new CommandError(
        `${flag} ${file} was signed by issuer key ${kid}, not by the key you sign with now (${key.kid}${key.demo ? ", the demo issuer" : ""}). Use the key that issued it${kid === DEMO_ISSUER.kid ? " (--demo)" : " (--key DIR/issuer.key)"}.`,
      );
    }
    throw new CommandError(`${flag} ${file}: ${err.message}`);
  }
}

// ---- files ---------------------------------------------------------------------------------------

export function readBytes(flag: string, file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (err) {
    throw new CommandError(`Cannot read ${flag} ${file}: ${describeFsError(err)}.`);
  }
}

export function readText(flag: string, file: string): string {
  return new TextDecoder().decode(readBytes(flag, file));
}

/** Writes a license file whole or not at all (temp file, then rename); replaces an older one. */
export function writeLicenseFile(flag: string, file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o644 });
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new CommandError(`Cannot write ${flag} ${file}: ${describeFsError(err)}.`);
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or folder";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a folder";
  if (code === "EEXIST") return "it already exists";
  return (err as Error).message;
}

// ---- values from the command line ----------------------------------------------------------------

const UUID_ANY_CASE = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** The 1–2 server UUIDs of --uuid, upper-cased; lower case is accepted, anything else refused. */
export function serverUuids(line: CommandLine, usage: string): string[] {
  const given = line.all("--uuid");
  if (given.length === 0) {
    throw new UsageError(`'lts-vendor ${line.command}' needs --uuid UUID: the customer's server UUID (their admin sees it in the portal, or runs 'lts uuid'); add a second --uuid for a standby.\nUsage: ${usage}`);
  }
  if (given.length > 2) throw new UsageError(`--uuid is given ${given.length} times; a license binds one server UUID, or two (main and standby).`);
  const uuids = given.map((uuid) => {
    if (!UUID_ANY_CASE.test(uuid)) {
      throw new UsageError(`--uuid ${JSON.stringify(uuid)} is not a server UUID: it must be 8-4-4-4-12 hexadecimal digits, e.g. 0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0, as 'lts uuid' prints it.`);
    }
    return uuid.toUpperCase();
  });
  if (uuids.length === 2 && uuids[0] === uuids[1]) throw new UsageError(`--uuid ${uuids[0]} is given twice; give the main and the standby server's UUIDs, or just one.`);
  return uuids;
}

export function organizationId(line: CommandLine, usage: string): string {
  const org = line.required("--organization", usage);
  if (!ORGANIZATION_ID_PATTERN.test(org)) throw new UsageError(`--organization ${JSON.stringify(org)} is not an organization id: 1 to 32 letters or digits (A-Z, a-z, 0-9; no '-').`);
  return org;
}

/**
 * A fresh id of 16 digits (the first not 0) for a license or an item. Ids must be unique per
 * issuer and lts-vendor keeps no state, so they are random: 9 × 10^15 of them make a clash
 * between two ids of one vendor vanishingly unlikely. `taken` holds ids of the same file.
 */
export function newId(taken: Set<string> = new Set()): string {
  for (;;) {
    const id = String(randomInt(1, 10)) + String(randomInt(0, 1e7)).padStart(7, "0") + String(randomInt(0, 1e8)).padStart(8, "0");
    if (!taken.has(id)) return id;
  }
}

// ---- what a command prints -----------------------------------------------------------------------

/** A few lines saying what a license file holds. */
export function describeLicense(payload: LicensePayload, signer: IssuerPublicKey): string {
  const head =
    payload.status === "revocation"
      ? `Revocation ${payload.licenseId} for organization ${payload.organizationId}: revokes item(s) ${(payload.revokes ?? []).join(", ")}`
      : `License ${payload.licenseId} "${payload.alias}" for ${payload.licensee} (organization ${payload.organizationId}): ${payload.status}, ${payload.items.length} item(s)`;
  const bound = payload.boundUuids.length > 0 ? [`  bound to ${payload.boundUuids.join(" and ")}${payload.status === "activated" && payload.activatedAt ? ` (activated ${payload.activatedAt})` : ""}`] : [];
  const items = payload.items.map((item) => `  ${describeItem(item)}`);
  const issuer = `Signed by issuer key ${signer.kid}${signer.demo ? " (the demo issuer: for trying LTS out only)" : ""}.`;
  return [head, ...bound, ...items, issuer].join("\n");
}

export function describeItem(item: LicenseItem): string {
  const window = item.windowDays !== undefined ? ` (${item.windowDays}-day window)` : "";
  const modules = item.modules.length > 0 ? `, modules ${item.modules.join(", ")}` : "";
  return (
    `item ${item.itemId}: ${item.product} v${item.version} ${item.edition} [${item.deploymentTypes.join(", ")}], ` +
    `${item.chargeWay} × ${item.quantity.toLocaleString("en-US")}${window}, ` +
    `${item.startsAt.slice(0, 10)} → ${item.expiresAt.slice(0, 10)} (+${graceDaysOf(item)} days grace)${modules}`
  );
}

/** A warning when no item would still serve: lts refuses such a file at import. */
export function expiryWarning(payload: LicensePayload, now: Date): string[] {
  if (payload.items.length === 0 || payload.items.some((item) => itemServesUntil(item) > now)) return [];
  return ["Warning: every item is past its expiry and grace, so lts will refuse this file. Issue a renewed license instead."];
}
