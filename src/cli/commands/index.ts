import { describeOptions, SERVER_OPTIONS } from "../../config";
import { VERSION } from "../../lib/version";
import { backup } from "./backup";
import { clockReset } from "./clock-reset";
import { codes } from "./codes";
import { describeUsage, type LtsCommand } from "./command";
import { importCommand } from "./import";
import { resetPassword } from "./reset-password";
import { restore } from "./restore";
import { serve, SETUP_TOKEN_HELP } from "./serve";
import { serverUrl } from "./server-url";
import { service } from "./service";
import { setPassword } from "./set-password";
import { uuid } from "./uuid";
import { version } from "./version";

/**
 * Every `lts` command, in the order `lts --help` lists them. A command file imports only what
 * parsing its command line needs; the rest it loads when it runs, so that `lts version` and the
 * server's start do not load what other commands use.
 */
export const COMMANDS: readonly LtsCommand[] = [serve, setPassword, resetPassword, uuid, importCommand, codes, serverUrl, backup, restore, clockReset, service, version];

export { describeCommand, describeUsage } from "./command";

export const DEFAULT_COMMAND = serve;

export function findCommand(name: string | undefined): LtsCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** `lts --help`: every command with what it does, every server option, and how to start. */
export function describeLts(): string {
  return `lts ${VERSION}: the License Tracking Server

Usage:
${describeUsage(COMMANDS.flatMap((c) => c.usage))}
${describeUsage([
  { line: "lts COMMAND --help", summary: "one command's usage and options" },
  { line: "lts --help", summary: "this text" },
])}

Options (each also read from its environment variable; a flag wins):
${describeOptions(Object.values(SERVER_OPTIONS))}

${SETUP_TOKEN_HELP}
`;
}
