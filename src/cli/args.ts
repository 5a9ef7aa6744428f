import { SERVER_OPTIONS, type FlagValues, type OptionSpec } from "../config";
import { UsageError } from "./errors";

export interface ParsedArgs {
  /** Values by option name (config keys for server options, the flag without dashes otherwise). */
  flags: FlagValues;
  positionals: string[];
}

/**
 * Parses `--name value`, `--name=value` and switches. Only the options listed are accepted:
 * anything else is a UsageError naming it. `extra` adds command-specific options.
 */
export function parseArgs(args: string[], serverOptions: (keyof typeof SERVER_OPTIONS)[], extra: Record<string, OptionSpec> = {}): ParsedArgs {
  const known = new Map<string, { name: string; spec: OptionSpec }>();
  for (const name of serverOptions) known.set(SERVER_OPTIONS[name].flag, { name, spec: SERVER_OPTIONS[name] });
  for (const [name, spec] of Object.entries(extra)) known.set(spec.flag, { name, spec });

  const flags: FlagValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const option = known.get(flag);
    if (!option) throw new UsageError(`Unknown option ${flag}. Run 'lts --help' to see the options.`);
    if (!option.spec.value) {
      flags[option.name] = inline ?? "";
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`${flag} needs a value: ${flag} ${option.spec.value}`);
    flags[option.name] = value;
  }
  return { flags, positionals };
}
