import { validationError } from "../../domain/errors";
import { deriveMachineUuid, LABEL_NAMES, labelDigest, sortLabels, type MachineLabel } from "../../domain/machine-uuid";
import { parseInput } from "../parse-input";
import { GenerateMachineUuidInput } from "./schemas";
import { countImportedLicenses, loadStoredIdentity, type MachineContext, type StoredIdentity } from "./stored-identity";

/** What Generate UUID would store, and what it would break. */
export interface MachineUuidPlan {
  identity: Omit<StoredIdentity, "updatedAt">;
  /** The UUID stored now, if any. */
  previousUuid: string | null;
  /** Imported licenses, all bound to the stored UUID. */
  boundLicenses: number;
  /** Set when storing the new UUID would unbind imported licenses: what the admin must confirm. */
  warning: string | null;
}

/**
 * Reads the chosen labels on this machine and derives the UUID they give, without storing
 * anything (the CLI shows it before `--yes`). Throws VALIDATION when no label is chosen or a
 * chosen label has no value here (naming it and the reason).
 */
export async function previewMachineUuid(ctx: MachineContext, raw: GenerateMachineUuidInput): Promise<MachineUuidPlan> {
  const input = parseInput(GenerateMachineUuidInput, raw);
  const labels = sortLabels(input.labels);
  const customIdFile = labels.includes("custom") ? input.customIdFile || null : null;
  if (labels.includes("custom") && !customIdFile) throw validationError({ customIdFile: "Enter the full path of the custom ID file (its trimmed content is the label's value)." });

  const readings = await ctx.machine.readLabels({ customIdFile });
  const values: Partial<Record<MachineLabel, string>> = {};
  const missing: string[] = [];
  const fields: Record<string, string> = {};
  for (const label of labels) {
    const reading = readings.find((r) => r.label === label);
    if (reading?.value) values[label] = reading.value;
    else if (label === "custom") fields.customIdFile = `${LABEL_NAMES.custom} (custom): ${reading?.reason ?? "no value"}.`;
    else missing.push(`${LABEL_NAMES[label]} (${label}) has no value on this machine: ${reading?.reason ?? "not read"}.`);
  }
  if (missing.length) fields.labels = missing.join(" ");
  if (Object.keys(fields).length) throw validationError(fields, "A chosen label has no value on this machine: choose others.");

  const uuid = deriveMachineUuid(values);
  const digests: Partial<Record<MachineLabel, string>> = {};
  for (const label of labels) digests[label] = labelDigest(values[label]!);
  const stored = loadStoredIdentity(ctx.db);
  const boundLicenses = stored ? countImportedLicenses(ctx.db) : 0;
  const warning =
    stored && stored.uuid !== uuid && boundLicenses > 0
      ? `${boundLicenses} imported license(s) are bound to UUID ${stored.uuid}; with the new UUID ${uuid} they stop authorizing clients until your vendor re-activates them for it.`
      : null;
  return { identity: { uuid, labels, digests, customIdFile }, previousUuid: stored?.uuid ?? null, boundLicenses, warning };
}
