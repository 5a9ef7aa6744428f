#!/usr/bin/env bun
// lts: the License Tracking Server and its operator commands (PROTOCOL.md, "lts").
import { ConfigError } from "./config";
import { AppError } from "./domain/errors";
import { CommandError, UsageError } from "./cli/errors";
import { print, type Env } from "./cli/commands/command";
import { DEFAULT_COMMAND, describeLts, describeCommand, findCommand } from "./cli/commands";

/**
 * Finds the command named by the first word and runs it on the rest. Without a command word
 * (nothing, or options only) the server runs. `lts --help` lists every command; `lts NAME --help`
 * (or `lts help NAME`) explains one.
 */
async function main(argv: string[], env: Env): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h") return print(describeLts());
  if (first === "help") {
    const command = findCommand(rest[0]);
    return print(command ? describeCommand(command) : describeLts());
  }
  if (first === "--version") return findCommand("version")!.run([], env);

  const named = first !== undefined && !first.startsWith("--");
  const command = named ? findCommand(first) : DEFAULT_COMMAND;
  if (!command) throw new UsageError(`Unknown command '${first}'. Run 'lts --help' to see the commands.`);
  const args = named ? rest : argv;
  if (args.includes("--help")) return print(named ? describeCommand(command) : describeLts());
  return command.run(args, env);
}

// No top-level await: the binary is compiled with --bytecode, which emits CommonJS.
main(Bun.argv.slice(2), process.env).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  async (err: unknown) => {
    // Errors an operator can act on are printed as they are; anything else without a stack trace.
    // (The database modules load only here and in the commands that use them: not for 'lts version'.)
    const { DataDirError } = await import("./db/data-dir");
    const known = err instanceof UsageError || err instanceof CommandError || err instanceof ConfigError || err instanceof DataDirError || err instanceof AppError;
    const message = err instanceof AppError && err.details.fields ? Object.values(err.details.fields).join("\n") : (err as Error).message;
    process.stderr.write(`lts: ${known ? message : `unexpected error: ${message}`}\n`);
    process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
  },
);
