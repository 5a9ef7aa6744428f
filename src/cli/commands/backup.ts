import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, type Config } from "../../config";
import { AppError } from "../../domain/errors";
import { parseArgs } from "../args";
import { CommandError, UsageError } from "../errors";
import { print, refuseExtra, type LtsCommand } from "./command";

const OPTIONS = { out: { flag: "--out", env: "", value: "FILE", help: "where to write the backup (a .tar file; must not exist yet)" } };

export const backup: LtsCommand = {
  name: "backup",
  usage: [
    {
      line: "lts backup --out FILE [--data-dir DIR]",
      summary: "a consistent backup while the server runs: the database,\nits instance id and instance key in one file",
    },
  ],
  serverOptions: ["dataDir"],
  options: OPTIONS,
  help: `Writes a backup of the data dir to FILE while the server keeps running and writing. The
database is copied with SQLite's VACUUM INTO (a consistent snapshot), checked with
PRAGMA integrity_check, and packed with the instance-id and the instance key into one tar file
with a manifest (LTS version, schema step, instance id, time, SHA-256 of every member). The
file holds the instance's private key: keep it as safe as the data dir itself. Restore it with
'lts restore FILE' while the server is stopped.`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"], OPTIONS);
    refuseExtra(positionals);
    if (!flags.out) throw new UsageError("Name the backup file: lts backup --out FILE [--data-dir DIR]");
    return print(await backupCommand(loadConfig({ env, flags }), { out: flags.out }));
  },
};

/**
 * `lts backup --out FILE`: an online, consistent backup of the data dir (services/backups,
 * createBackup), with or without a server running on it. Refuses an existing FILE.
 */
export async function backupCommand(config: Config, input: { out: string }): Promise<string> {
  const out = resolve(input.out);
  if (existsSync(out)) throw new CommandError(`${out} already exists: choose another file name, or delete it first. Nothing was written.`);
  const { withDataDir } = await import("../with-data-dir");
  const { createBackup } = await import("../../services/backups");
  return withDataDir(config, (ctx) => {
    try {
      const made = createBackup(ctx, { dir: ctx.dir, out, trigger: "console" });
      return [
        `Backup written to ${made.path} (${made.size} bytes).`,
        `  instance ${made.manifest.instanceId}, key id ${made.manifest.keyId}, LTS ${made.manifest.ltsVersion}, schema step ${made.manifest.migrations}, made ${made.manifest.createdAt}`,
        "It holds the instance key: keep it as safe as the data dir. Restore it with 'lts restore FILE' while the server is stopped.",
      ].join("\n");
    } catch (err) {
      if (err instanceof AppError) throw new CommandError(err.message);
      throw err;
    }
  });
}
