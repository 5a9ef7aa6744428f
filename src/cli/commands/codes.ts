import { loadConfig, type Config } from "../../config";
import { parseArgs } from "../args";
import { print, refuseExtra, type LtsCommand } from "./command";

const OPTIONS = { json: { flag: "--json", env: "", help: "print a JSON array" } };

export const codes: LtsCommand = {
  name: "codes",
  usage: [
    {
      line: "lts codes [--json] [--port N] [--base-path /PATH] [--data-dir DIR]",
      summary: "every handshake code, one line each: code, default|-,\nenabled|disabled, item ids, license key (--json: an array);\n--port/--base-path as the server's, for the default main URL",
    },
  ],
  serverOptions: ["dataDir", "port", "basePath"],
  options: OPTIONS,
  help: `Prints every handshake code, sorted, one line each: the code, default or -, enabled or disabled,
its item ids in consumption order (comma-separated, - for none) and its license key; with --json,
a JSON array with every field. Until the server URLs are set ('lts server-url'), the keys carry
this host's address with the server's port and base path: give --port and --base-path (or
LTS_PORT, LTS_BASE_PATH) as the server has them.`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, ["dataDir", "port", "basePath"], OPTIONS);
    refuseExtra(positionals);
    const text = await codesCommand(loadConfig({ env, flags }), { json: flags.json !== undefined });
    return text === "" ? 0 : print(text);
  },
};

/** Where the server is reached, for the default main URL in license keys. */

/**
 * `lts codes [--json]`: every handshake code, sorted, one line each —
 * `code default|- enabled|disabled itemIds(comma-separated, in consumption order) licenseKey` —
 * or a JSON array. Until the server URLs are set, keys carry this host's address with the port
 * and base path of the configuration (--port, --base-path or LTS_PORT, LTS_BASE_PATH).
 */
export async function codesCommand(config: Config, options: { json: boolean }): Promise<string> {
  const { withDataDir } = await import("../with-data-dir");
  const { listHandshakeCodes } = await import("../../services/handshake-codes");
  return withDataDir(config, (ctx) => {
    const codes = listHandshakeCodes(ctx);
    if (options.json) {
      return JSON.stringify(
        codes.map((c) => ({
          code: c.code,
          organizationId: c.organizationId,
          suffix: c.suffix,
          name: c.name,
          default: c.isDefault,
          enabled: c.enabled,
          itemIds: c.items.map((i) => i.itemId),
          customOrder: c.customOrder,
          sessionPassword: c.hasSessionPassword,
          validation: c.validation,
          devices: c.deviceCount,
          licenseKey: c.licenseKey,
        })),
        null,
        2,
      );
    }
    return codes
      .map((c) => [c.code, c.isDefault ? "default" : "-", c.enabled ? "enabled" : "disabled", c.items.map((i) => i.itemId).join(",") || "-", c.licenseKey ?? "-"].join(" "))
      .join("\n");
  });
}
