import type { OptionName, OptionSpec } from "../../config";
import { SERVER_OPTIONS } from "../../config";
import { UsageError } from "../errors";

/** The environment, as main.ts hands it in (nothing else reads it). */
export type Env = Record<string, string | undefined>;

/** One form of a command as `lts --help` lists it. */
export interface UsageLine {
  /** The command line; further lines are indented under it. */
  line: string;
  /** What it does; may run over several lines. */
  summary: string;
}

/** An `lts` command: what the registry (commands/index.ts) lists, explains and runs. */
export interface LtsCommand {
  name: string;
  /** Its forms, each with what it does. */
  usage: UsageLine[];
  /** The server options it reads (each a flag and an LTS_* variable), by name. */
  serverOptions: OptionName[];
  /** Its own flags (no variable). */
  options: Record<string, OptionSpec>;
  /** What `lts NAME --help` says below the usage, before the options. */
  help: string;
  /**
   * Runs the command on the arguments after its name. Prints what it has to say and returns the
   * exit code, or -1 to keep the process running (serve). Throws UsageError when the command line
   * does not fit, CommandError when it is refused; main.ts prints both.
   */
  run(args: string[], env: Env): Promise<number>;
}

/** Where the summaries start in `lts --help`. */
const SUMMARY_COLUMN = 40;

/** Usage lines as `lts --help` prints them: a one-line form that fits has its summary beside it. */
export function describeUsage(usage: UsageLine[]): string {
  const indent = (text: string) => " ".repeat(SUMMARY_COLUMN) + text;
  return usage
    .flatMap(({ line, summary }) => {
      const lines = line.split("\n").map((l) => `  ${l}`);
      const [first, ...more] = summary.split("\n");
      if (lines.length === 1 && lines[0]!.length < SUMMARY_COLUMN - 1) return [lines[0]!.padEnd(SUMMARY_COLUMN) + first, ...more.map(indent)];
      return [...lines, ...[first!, ...more].map(indent)];
    })
    .join("\n");
}

/** `lts NAME --help`: the command's usage, what it does, and every option it takes. */
export function describeCommand(command: LtsCommand): string {
  const specs: OptionSpec[] = [...command.serverOptions.map((name) => SERVER_OPTIONS[name]), ...Object.values(command.options)];
  const left = specs.map((s) => `  ${s.flag}${s.value ? " " + s.value : ""}`);
  const width = Math.max(0, ...left.map((l) => l.length)) + 2;
  const options = specs.map((s, i) => {
    const dflt = s.default !== undefined && s.default !== "" ? ` (default ${s.default})` : "";
    return `${left[i]!.padEnd(width)}${s.help}${dflt}` + (s.env ? `\n${" ".repeat(width)}env ${s.env}` : "");
  });
  return [
    `Usage:\n${describeUsage(command.usage)}`,
    command.help,
    options.length > 0 ? `Options${command.serverOptions.length > 0 ? " (a flag wins over the variable shown under it)" : ""}:\n${options.join("\n")}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
}

export function refuseExtra(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'. Run 'lts --help' to see the usage.`);
}

export function print(text: string): number {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  return 0;
}
