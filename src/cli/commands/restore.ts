import { resolve } from "node:path";
import { loadConfig, type Config } from "../../config";
import { AppError } from "../../domain/errors";
import { parseArgs } from "../args";
import { CommandError, UsageError } from "../errors";
import { print, refuseExtra, type LtsCommand } from "./command";

export const restore: LtsCommand = {
  name: "restore",
  usage: [
    {
      line: "lts restore FILE [--data-dir DIR]",
      summary: "with the server stopped: checks a backup and puts its\ndatabase and instance files in place; the files it replaces\nare kept in DIR/replaced-<time>/",
    },
  ],
  serverOptions: ["dataDir"],
  options: {},
  help: `Restores a backup made by 'lts backup' or the portal's Backups page into the data dir (a new
one is created). Stop the server first: restore refuses while <data-dir>/server.pid names a
running process. The file is checked before anything changes: its manifest, the SHA-256 of every
member, the database's integrity check, the instance id in manifest, marker and database, and
the instance key's key id. The database, instance-id and instance key in the data dir are then
moved to <data-dir>/replaced-<time>/ (not deleted) and the backup's put in their place (0600).
Start the server again afterwards; it applies any newer schema steps itself.`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"], {});
    const [file, ...extra] = positionals;
    refuseExtra(extra);
    if (!file) throw new UsageError("Name the backup file: lts restore FILE [--data-dir DIR]");
    return print(await restoreCommand(loadConfig({ env, flags }), { file }));
  },
};

/** `lts restore FILE`: services/backups restoreBackup for the console, as the console actor. */
export async function restoreCommand(config: Config, input: { file: string }): Promise<string> {
  const { dataDirAt } = await import("../../db/data-dir");
  const { systemClock } = await import("../../lib/clock");
  const { consoleActor } = await import("../../services/context");
  const { restoreBackup } = await import("../../services/backups");
  const file = resolve(input.file);
  try {
    const done = restoreBackup({ clock: systemClock, actor: consoleActor }, { file, dir: dataDirAt(config.dataDir) });
    return [
      `Restored ${file} into ${config.dataDir}:`,
      `  instance ${done.manifest.instanceId}, key id ${done.manifest.keyId}, made ${done.manifest.createdAt} by LTS ${done.manifest.ltsVersion}`,
      done.replacedDir ? `The files it replaced are in ${done.replacedDir}.` : "The data dir had no database before.",
      "Start the server now.",
    ].join("\n");
  } catch (err) {
    if (err instanceof AppError) throw new CommandError(err.message);
    throw err;
  }
}
