import { loadConfig, type Config } from "../../config";
import { parseArgs } from "../args";
import { CommandError, UsageError } from "../errors";
import { print, refuseExtra, type LtsCommand } from "./command";

const OPTIONS = { stdin: { flag: "--stdin", env: "", help: "read the password from standard input" } };

export const setPassword: LtsCommand = {
  name: "set-password",
  usage: [
    {
      line: "lts set-password --stdin [--data-dir DIR]",
      summary: "scripted first run: set the management password from\nstandard input (only while none is set)",
    },
  ],
  serverOptions: ["dataDir"],
  options: OPTIONS,
  help: `For scripted installs: sets the first management password from standard input (one trailing
line end is dropped) and ends first-run setup. Refused once a password is set: to replace it, run
'lts reset-password' on the server's console.`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"], OPTIONS);
    refuseExtra(positionals);
    if (flags.stdin === undefined) throw new UsageError("set-password reads the password from standard input: lts set-password --stdin");
    const { readAllStdin } = await import("../prompt");
    return print(await setPasswordCommand(loadConfig({ env, flags }), readAllStdin));
  },
};

/**
 * `lts set-password --stdin`: sets the first management password from standard input, for
 * scripted installs. Refused once a password exists (use reset-password on the console).
 */
export async function setPasswordCommand(config: Config, readStdin: () => Promise<string>): Promise<string> {
  const { withDataDir } = await import("../with-data-dir");
  const { isPasswordSet, setInitialPassword, SetupToken } = await import("../../services/admin");
  return withDataDir(config, async (ctx) => {
    if (isPasswordSet(ctx.db)) throw new CommandError("A management password is already set. To replace it, run 'lts reset-password' on this server's console.");
    await setInitialPassword(ctx, await readStdin(), { via: "set-password" });
    new SetupToken(config.dataDir).consume();
    return "Management password set. Open the portal and log in with it.";
  });
}
