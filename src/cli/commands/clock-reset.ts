import { loadConfig, type Config } from "../../config";
import { AppError } from "../../domain/errors";
import { parseArgs } from "../args";
import { CommandError } from "../errors";
import { print, refuseExtra, type LtsCommand } from "./command";

export const clockReset: LtsCommand = {
  name: "clock-reset",
  usage: [{ line: "lts clock-reset [--yes] [--data-dir DIR]", summary: "with the server stopped: after a clock that was set ahead\nwas corrected, forget the times ahead of it" }],
  serverOptions: ["dataDir"],
  options: { yes: { flag: "--yes", env: "", help: "move the latest time seen back to this machine's clock" } },
  help: `The server keeps the latest time it has seen, and reads a system clock more than 5 minutes
behind it as a rollback (dates are then checked against the latest time seen; README, "Clock").
If the clock had been set ahead by mistake and is right now, this moves the latest time seen back
to the system clock's time. Without --yes it only says how far ahead the latest time seen is.
Stop the server first: it refuses while <data-dir>/server.pid names a running process.
Audit-logged as the console's act (clock.reset, with both times).`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"], clockReset.options);
    refuseExtra(positionals);
    return print(await clockResetCommand(loadConfig({ env, flags }), { confirmed: flags.yes !== undefined }));
  },
};

/** `lts clock-reset`: services/clock resetLatestSeen for the console, with no server running. */
export async function clockResetCommand(config: Config, input: { confirmed: boolean }): Promise<string> {
  const { dataDirAt } = await import("../../db/data-dir");
  const { runningServerPid } = await import("../../services/backups");
  const pid = runningServerPid(dataDirAt(config.dataDir));
  if (pid !== null) throw new CommandError(`A server (process ${pid}) runs on ${config.dataDir}: stop it first, then run lts clock-reset again.`);
  const { withDataDir } = await import("../with-data-dir");
  const { resetLatestSeen } = await import("../../services/clock");
  return withDataDir(config, (ctx) => {
    try {
      const done = resetLatestSeen(ctx, input);
      if (!done.reset) return `Nothing to reset: the latest time seen (${done.latestSeen?.toISOString() ?? "none yet"}) is not ahead of this machine's clock.`;
      return `The latest time seen was ${done.was.toISOString()}, ${done.ahead} ahead; it is now ${done.now.toISOString()}. Start the server.`;
    } catch (err) {
      if (err instanceof AppError) throw new CommandError(err.message);
      throw err;
    }
  });
}
