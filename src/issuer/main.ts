#!/usr/bin/env bun
// lts-vendor: the SDK vendor's tool that issues, activates and revokes signed license files
// (PROTOCOL.md, "lts-vendor"). It never imports the server: it shares only the domain with lts.
import { CommandError, UsageError } from "../cli/errors";
import { LicenseFileError } from "../domain/license-file";
import { CommandLine } from "./args";
import { activate } from "./commands/activate";
import { inspect } from "./commands/inspect";
import { issue } from "./commands/issue";
import { keygen } from "./commands/keygen";
import { revoke } from "./commands/revoke";
import type { VendorCommand, VendorContext } from "./common";

const COMMANDS: VendorCommand[] = [keygen, issue, activate, revoke, inspect];

const HELP = `lts-vendor: issues signed license files for LTS, the License Tracking Server

Usage:
${COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`).join("\n")}
  lts-vendor COMMAND --help      one command's options

The loop: keygen once; build lts with your key (npm run build -- --issuer-key DIR/issuer.pub);
then per customer issue, activate for their server's UUID, and send them the activated file.
--demo signs with the repository's demo issuer instead, which only builds without --issuer-key
trust. Exit codes: 0 done, 1 refused or a check failed, 2 the command line is wrong.
`;

function main(argv: string[], ctx: VendorContext): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return print(HELP);
  if (name === "help") {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    return print(command ? command.help : HELP);
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`Unknown command '${name}'. Run 'lts-vendor --help' to see the commands.`);
  if (rest.includes("--help") || rest.includes("-h")) return print(command.help);
  const output = command.run(new CommandLine(command.name, rest, command.flags), ctx);
  print(output.text);
  return output.exitCode;
}

function print(text: string): 0 {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  return 0;
}

try {
  process.exitCode = main(Bun.argv.slice(2), { now: () => new Date() });
} catch (err) {
  // Errors the vendor can act on are printed as they are; anything else without a stack trace.
  const known = err instanceof UsageError || err instanceof CommandError || err instanceof LicenseFileError;
  process.stderr.write(`lts-vendor: ${known ? (err as Error).message : `unexpected error: ${(err as Error).message}`}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
