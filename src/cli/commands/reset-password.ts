import { loadConfig, type Config } from "../../config";
import { parseArgs } from "../args";
import { CommandError } from "../errors";
import type { Prompt } from "../prompt";
import { print, refuseExtra, type LtsCommand } from "./command";

export const resetPassword: LtsCommand = {
  name: "reset-password",
  usage: [{ line: "lts reset-password [--data-dir DIR]", summary: "on the server's console: replace a lost password\n(asks twice; ends every portal session)" }],
  serverOptions: ["dataDir"],
  options: {},
  help: `On the server's own console: asks for a new management password twice (without echo on a
terminal; one line each from a pipe), replaces the old one, and ends every portal session.
Audit-logged as the console's act.`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"]);
    refuseExtra(positionals);
    const { terminalPrompt } = await import("../prompt");
    return print(await resetPasswordCommand(loadConfig({ env, flags }), terminalPrompt()));
  },
};

/**
 * `lts reset-password`: on the server's own console, replaces a lost management password and
 * ends every portal session. Audit-logged as the console's act.
 */
export async function resetPasswordCommand(config: Config, prompt: Prompt): Promise<string> {
  const { withDataDir } = await import("../with-data-dir");
  const { replacePassword, SetupToken } = await import("../../services/admin");
  return withDataDir(config, async (ctx) => {
    const password = await prompt.secret("New management password: ");
    const again = await prompt.secret("Type it again: ");
    if (password === null || again === null) throw new CommandError("No password given; nothing changed.");
    if (password !== again) throw new CommandError("The two passwords differ; nothing changed. Run the command again.");
    const { endedSessions } = await replacePassword(ctx, { password, field: "password", keepSessionIdHash: null, action: "password.reset" });
    new SetupToken(config.dataDir).consume();
    return `Management password reset. ${endedSessions} portal session(s) ended.`;
  });
}
