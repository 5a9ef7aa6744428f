import { loadConfig, SERVER_OPTIONS, type OptionName } from "../../config";
import { parseArgs } from "../args";
import { refuseExtra, type LtsCommand } from "./command";

export const SETUP_TOKEN_HELP = `Open the portal at http://<host>:<port>/index. On first start the server prints a one-time
"Setup token: ..." line (also in <data-dir>/setup-token) that the portal asks for.`;

const SERVE_OPTIONS = Object.keys(SERVER_OPTIONS) as OptionName[];

export const serve: LtsCommand = {
  name: "serve",
  usage: [{ line: "lts [serve] [options]", summary: "run the server: admin portal and client API" }],
  serverOptions: SERVE_OPTIONS,
  options: {},
  help: `Runs the License Tracking Server until it gets SIGINT or SIGTERM. 'lts' with only options
does the same.

${SETUP_TOKEN_HELP}`,
  async run(args, env) {
    const { flags, positionals } = parseArgs(args, SERVE_OPTIONS);
    refuseExtra(positionals);
    const config = loadConfig({ env, flags });
    const { startServer } = await import("../../server");
    // Handlers first: a stop request that arrives during start-up still stops cleanly.
    let running: Awaited<ReturnType<typeof startServer>> | undefined;
    const stop = async (signal: string) => {
      running?.deps.logger.info(`received ${signal}; stopping`);
      await running?.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    running = await startServer(config);
    return -1; // keep running
  },
};
