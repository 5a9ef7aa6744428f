import { resolve } from "node:path";
import { loadConfig, type Config } from "../../config";
import { AppError } from "../../domain/errors";
import { isMachineLabel, LABEL_NAMES, MACHINE_LABELS, type MachineLabel } from "../../domain/machine-uuid";
import type { LabelReader } from "../../services/machine-identity";
import { parseArgs } from "../args";
import { CommandError, UsageError } from "../errors";
import { print, refuseExtra, type LtsCommand } from "./command";

const GENERATE_OPTIONS = {
  labels: { flag: "--labels", env: "", value: "LIST", help: "the labels to bind to, comma-separated" },
  customIdFile: { flag: "--custom-id-file", env: "", value: "FILE", help: "the custom ID file (for the custom label)" },
  yes: { flag: "--yes", env: "", help: "store the UUID" },
  json: { flag: "--json", env: "", help: "with 'lts uuid labels': the readings as JSON, values included" },
};

export const uuid: LtsCommand = {
  name: "uuid",
  usage: [
    { line: "lts uuid [--data-dir DIR]", summary: "the stored machine UUID and its labels (or that none is set),\nand whether this machine still gives it" },
    {
      line: "lts uuid generate --labels processor-id,mac,machine-id,motherboard-serial,custom\n         [--custom-id-file F] [--yes] [--data-dir DIR]",
      summary: "derive the machine UUID from the chosen labels as read here;\nshows it, and stores it only with --yes",
    },
    { line: "lts uuid labels [--json]", summary: "the hardware labels this machine has (--json: with values)" },
  ],
  serverOptions: ["dataDir"],
  options: GENERATE_OPTIONS,
  help: `The machine UUID binds licenses to this server: the vendor activates license files for it.
It is derived from hardware labels read on this machine; 'lts uuid' says whether they still
give the stored UUID. 'lts uuid generate' shows the UUID the chosen labels give, and what
storing it would change; only --yes stores it (a running server picks it up within seconds).`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"], GENERATE_OPTIONS);
    const [sub, ...extra] = positionals;
    refuseExtra(extra);
    const misplaced = sub === undefined && Object.keys(GENERATE_OPTIONS).find((name) => flags[name] !== undefined);
    if (misplaced) throw new UsageError(`${GENERATE_OPTIONS[misplaced as keyof typeof GENERATE_OPTIONS].flag} belongs to 'lts uuid generate'.`);
    const config = loadConfig({ env, flags });
    if (sub === undefined) return print(await showUuidCommand(config));
    if (sub === "labels") {
      // What the server reads through this command in a child process (its event loop stays free).
      const { readHardwareLabels } = await import("../../services/machine-identity/read-hardware-labels");
      const readings = await readHardwareLabels({ customIdFile: null });
      if (flags.json !== undefined) return print(JSON.stringify(readings));
      return print(readings.map((r) => `${r.label.padEnd(19)}${r.value !== null ? "available" : `not available: ${r.reason}`}`).join("\n"));
    }
    if (sub !== "generate") throw new UsageError(`Unknown uuid command '${sub}'. Use 'lts uuid', 'lts uuid labels' or 'lts uuid generate --labels ...'.`);
    return print(await generateUuidCommand(config, { labels: flags.labels, customIdFile: flags.customIdFile, yes: flags.yes !== undefined }, (line) => print(line)));
  },
};

const describe = (labels: readonly MachineLabel[]) => labels.map((l) => `${l} (${LABEL_NAMES[l]})`).join(", ");

/**
 * `lts uuid`: the stored machine UUID, its labels and whether this machine still gives it, or
 * that none is set and how to generate one. Reads the labels as the server does.
 */
export async function showUuidCommand(config: Config, readLabels?: LabelReader): Promise<string> {
  const { withDataDir } = await import("../with-data-dir");
  return withDataDir(
    config,
    async ({ machine }) => {
    const status = await machine.refresh();
    if (status.storedUuid === null) {
      const readings = await machine.labels(null);
      const lines = readings.map((r) => `  ${r.label.padEnd(19)}${r.value !== null ? "available" : `not available: ${r.reason}`}`);
      return [
        "No machine UUID is set yet: clients are refused (code 100) until one is.",
        "Generate one in the portal (Generate UUID), or here, for example:",
        "  lts uuid generate --labels machine-id,mac --yes",
        "Labels on this machine:",
        ...lines,
      ].join("\n");
    }
    const lines = [`Machine UUID: ${status.storedUuid}`, `Labels: ${describe(status.labels)}`];
    if (status.customIdFile) lines.push(`Custom ID file: ${status.customIdFile}`);
    if (status.ready) lines.push("Matches this machine now: yes");
    else {
      lines.push(`Matches this machine now: no, ${describe(status.changedLabels)} changed since it was generated.`);
      lines.push(
        status.uuid
          ? `This machine now gives UUID ${status.uuid}. Clients are refused (code 100) until the label is back, or until you import your licenses re-activated for ${status.uuid}.`
          : "Clients are refused (code 100) until the label is back, or until you generate a UUID from labels this machine has and import your licenses re-activated for it.",
      );
    }
    return lines.join("\n");
    },
    readLabels,
  );
}

export interface GenerateUuidOptions {
  labels?: string;
  customIdFile?: string;
  yes: boolean;
}

/**
 * `lts uuid generate --labels L1,L2 [--custom-id-file F] [--yes]`: shows the UUID the labels give
 * on this machine (and what it would break), and stores it only with --yes. Without --yes nothing
 * changes and the command fails (exit 1) after saying how to confirm.
 */
export async function generateUuidCommand(config: Config, options: GenerateUuidOptions, out: (line: string) => void, readLabels?: LabelReader): Promise<string> {
  const labels = parseLabels(options.labels);
  if (labels.includes("custom") && !options.customIdFile) throw new UsageError("The custom label needs the file: --custom-id-file FILE");
  const input = { labels, customIdFile: options.customIdFile ? resolve(options.customIdFile) : undefined, confirm: options.yes };
  const { withDataDir } = await import("../with-data-dir");
  const { generateMachineUuid, previewMachineUuid } = await import("../../services/machine-identity");
  return withDataDir(
    config,
    async (ctx) => {
    const plan = await refusedAsCommandError(() => previewMachineUuid(ctx, input));
    out(`Labels: ${describe(plan.identity.labels)}`);
    if (plan.identity.customIdFile) out(`Custom ID file: ${plan.identity.customIdFile}`);
    out(`Machine UUID: ${plan.identity.uuid}`);
    if (plan.previousUuid === plan.identity.uuid) out("This is the UUID already stored.");
    else if (plan.previousUuid) out(`It replaces the stored UUID ${plan.previousUuid}.`);
    if (plan.warning) out(`Warning: ${plan.warning}`);
    if (!options.yes) throw new CommandError("Nothing was stored. To store this UUID, run the same command with --yes.");
    const result = await refusedAsCommandError(() => generateMachineUuid(ctx, input));
    return `Stored machine UUID ${result.uuid}. Send it to your vendor to have your licenses activated for it. A running server on this data dir picks it up within a few seconds.`;
    },
    readLabels,
  );
}

function parseLabels(list: string | undefined): MachineLabel[] {
  if (!list) throw new UsageError(`Choose the labels: --labels ${MACHINE_LABELS.join(",")} (one or more, comma-separated)`);
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isMachineLabel(n));
  if (unknown.length) throw new UsageError(`Unknown label '${unknown[0]}'. Choose from: ${MACHINE_LABELS.join(", ")}.`);
  if (names.length === 0) throw new UsageError("Choose at least one label: --labels machine-id,mac");
  return names as MachineLabel[];
}

/** A refused input is the operator's to fix: say why (each field's message), exit 1. */
async function refusedAsCommandError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AppError && (err.code === "VALIDATION" || err.code === "CONFLICT")) {
      const fields = err.details.fields ? Object.values(err.details.fields) : [];
      throw new CommandError([...new Set(fields.length ? fields : [err.message])].join("\n") + "\nNothing was stored.");
    }
    throw err;
  }
}
