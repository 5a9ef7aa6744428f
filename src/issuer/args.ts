import { UsageError } from "../cli/errors";

/** A flag a command takes: `value` is its placeholder in messages; a switch has none. */
export interface FlagSpec {
  value?: string;
  repeatable?: boolean;
}

/**
 * The command line of one lts-vendor command: `--flag value`, `--flag=value`, switches and
 * positionals. Only the flags listed are accepted; each problem is a UsageError (exit 2) that
 * names the flag and what to type.
 */
export class CommandLine {
  private readonly values = new Map<string, string[]>();
  readonly positionals: string[] = [];

  constructor(
    readonly command: string,
    args: string[],
    private readonly spec: Record<string, FlagSpec>,
  ) {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (!arg.startsWith("--") || arg === "--") {
        this.positionals.push(arg);
        continue;
      }
      const eq = arg.indexOf("=");
      const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
      const flagSpec = spec[flag];
      if (!flagSpec) throw new UsageError(`Unknown option ${flag} for 'lts-vendor ${command}'. Run 'lts-vendor ${command} --help' to see its options.`);
      let value = "";
      if (flagSpec.value) {
        const next = inline ?? args[++i];
        if (next === undefined || (inline === undefined && next.startsWith("--"))) throw new UsageError(`${flag} needs a value: ${flag} ${flagSpec.value}`);
        value = next;
      } else if (inline !== undefined) {
        throw new UsageError(`${flag} takes no value; write just ${flag}`);
      }
      const list = this.values.get(flag) ?? [];
      if (list.length > 0 && !flagSpec.repeatable) throw new UsageError(`${flag} is given twice; give it once`);
      this.values.set(flag, [...list, value]);
    }
  }

  has(flag: string): boolean {
    return this.values.has(flag);
  }

  optional(flag: string): string | undefined {
    return this.values.get(flag)?.[0];
  }

  all(flag: string): string[] {
    return this.values.get(flag) ?? [];
  }

  /** The flag's value; a UsageError naming the flag and the usage when it is missing. */
  required(flag: string, usage: string): string {
    const value = this.optional(flag);
    if (value === undefined) throw new UsageError(`'lts-vendor ${this.command}' needs ${flag} ${this.spec[flag]?.value ?? ""}.\nUsage: ${usage}`.replace(" .", "."));
    return value;
  }

  noPositionals(): void {
    if (this.positionals.length > 0) {
      throw new UsageError(`Unexpected argument '${this.positionals[0]}' for 'lts-vendor ${this.command}'. Run 'lts-vendor ${this.command} --help' to see its usage.`);
    }
  }
}
