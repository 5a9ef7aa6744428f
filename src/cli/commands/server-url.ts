import { loadConfig, type Config } from "../../config";
import { AppError } from "../../domain/errors";
import { parseArgs } from "../args";
import { CommandError, UsageError } from "../errors";
import { print, refuseExtra, type LtsCommand } from "./command";

const OPTIONS = {
  main: { flag: "--main", env: "", value: "URL", help: "the main server's URL" },
  standby: { flag: "--standby", env: "", value: "URL", help: "the standby server's URL" },
  standbyKey: { flag: "--standby-key", env: "", value: "KEY", help: "the standby's public key (its GET /api/v1/server-key)" },
};

export const serverUrl: LtsCommand = {
  name: "server-url",
  usage: [
    {
      line: "lts server-url --main URL [--standby URL --standby-key KEY] [--data-dir DIR]",
      summary: "what Set Server URL does: the server URLs every license key\ncarries; a standby needs its public key (from its\nGET /api/v1/server-key); without --standby, none",
    },
  ],
  serverOptions: ["dataDir"],
  options: OPTIONS,
  help: `Sets the server URLs every license key carries, as the portal's Set Server URL page does. It
sets exactly what is given: without --standby there is no standby any more. A running server
shows the new URLs at once; 'lts codes' prints the keys.`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir"], OPTIONS);
    refuseExtra(positionals);
    if (flags.main === undefined) throw new UsageError("Give the main server's URL: lts server-url --main URL [--standby URL --standby-key KEY]");
    if (flags.standbyKey !== undefined && flags.standby === undefined) throw new UsageError("--standby-key goes with --standby URL.");
    return print(await serverUrlCommand(loadConfig({ env, flags }), { main: flags.main, standby: flags.standby, standbyKey: flags.standbyKey }));
  },
};

/**
 * `lts server-url --main URL [--standby URL --standby-key KEY]`: what Set Server URL does. Sets
 * exactly what is given: without --standby there is no standby any more. Every license key
 * carries the new URLs at once (the running server shows them too).
 */
export async function serverUrlCommand(config: Config, input: { main: string; standby?: string; standbyKey?: string }): Promise<string> {
  const { withDataDir } = await import("../with-data-dir");
  const { readServerUrls, setServerUrls } = await import("../../services/settings");
  return withDataDir(config, (ctx) => {
    let changed: boolean;
    try {
      ({ changed } = setServerUrls(ctx, { main: input.main, standby: input.standby ?? "", standbyPublicKey: input.standbyKey ?? "" }));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "VALIDATION") throw err;
      const flags: Record<string, string> = { main: "--main", standby: "--standby", standbyPublicKey: "--standby-key" };
      const lines = Object.entries(err.details.fields ?? {}).map(([field, message]) => `${flags[field] ?? field}: ${message}`);
      throw new CommandError(`${lines.join("\n")}\nNothing changed.`);
    }
    const urls = readServerUrls(ctx);
    return [
      changed ? "Server URLs saved. Every license key now carries them:" : "The server URLs were already these; nothing changed:",
      `  main     ${urls.main}`,
      `  standby  ${urls.standby ? `${urls.standby} (key id ${urls.standbyKid})` : "none"}`,
      "Run 'lts codes' to print the license keys.",
    ].join("\n");
  });
}
