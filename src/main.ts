#!/usr/bin/env bun
// lts: the License Tracking Server and its operator commands (PROTOCOL.md, "lts").
import { ConfigError, describeOptions, loadConfig, SERVER_OPTIONS, type OptionName } from "./config";
import { DataDirError } from "./db/data-dir";
import { AppError } from "./domain/errors";
import { VERSION } from "./lib/version";
import { parseArgs } from "./cli/args";
import { CommandError, UsageError } from "./cli/errors";

const SERVE_OPTIONS = Object.keys(SERVER_OPTIONS) as OptionName[];
const IMPORT_OPTIONS = { code: { flag: "--code", env: "", value: "SUFFIX", help: "attach new items to {organizationId}-SUFFIX (created if missing)" } };
const CODES_OPTIONS = { json: { flag: "--json", env: "", help: "print a JSON array" } };
const SERVER_URL_OPTIONS = {
  main: { flag: "--main", env: "", value: "URL", help: "the main server's URL" },
  standby: { flag: "--standby", env: "", value: "URL", help: "the standby server's URL" },
  standbyKey: { flag: "--standby-key", env: "", value: "KEY", help: "the standby's public key (its GET /api/v1/server-key)" },
};
const STDIN_OPTION = { stdin: { flag: "--stdin", env: "", help: "read the password from standard input" } };
const UUID_GENERATE_OPTIONS = {
  labels: { flag: "--labels", env: "", value: "LIST", help: "the labels to bind to, comma-separated" },
  customIdFile: { flag: "--custom-id-file", env: "", value: "FILE", help: "the custom ID file (for the custom label)" },
  yes: { flag: "--yes", env: "", help: "store the UUID" },
  json: { flag: "--json", env: "", help: "with 'lts uuid labels': the readings as JSON, values included" },
};

const HELP = `lts ${VERSION}: the License Tracking Server

Usage:
  lts [serve] [options]                 run the server: admin portal and client API
  lts set-password --stdin [--data-dir DIR]
                                        scripted first run: set the management password from
                                        standard input (only while none is set)
  lts reset-password [--data-dir DIR]   on the server's console: replace a lost password
                                        (asks twice; ends every portal session)
  lts uuid [--data-dir DIR]             the stored machine UUID and its labels (or that none is set),
                                        and whether this machine still gives it
  lts uuid generate --labels processor-id,mac,machine-id,motherboard-serial,custom
           [--custom-id-file F] [--yes] [--data-dir DIR]
                                        derive the machine UUID from the chosen labels as read here;
                                        shows it, and stores it only with --yes
  lts uuid labels [--json]              the hardware labels this machine has (--json: with values)
  lts import FILE [--code SUFFIX] [--data-dir DIR]
                                        what the Import License File page does; prints the items
                                        and the handshake code they went to
  lts codes [--json] [--port N] [--base-path /PATH] [--data-dir DIR]
                                        every handshake code, one line each: code, default|-,
                                        enabled|disabled, item ids, license key (--json: an array);
                                        --port/--base-path as the server's, for the default main URL
  lts server-url --main URL [--standby URL --standby-key KEY] [--data-dir DIR]
                                        what Set Server URL does: the server URLs every license key
                                        carries; a standby needs its public key (from its
                                        GET /api/v1/server-key); without --standby, none
  lts version                           print the version
  lts --help                            this text

Options (each also read from its environment variable; a flag wins):
${describeOptions(Object.values(SERVER_OPTIONS))}

Open the portal at http://<host>:<port>/index. On first start the server prints a one-time
"Setup token: ..." line (also in <data-dir>/setup-token) that the portal asks for.
`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") return print(HELP);
  if (first === "version" || first === "--version") return print(`lts ${VERSION} (bun ${Bun.version}, ${process.platform}-${process.arch})`);

  const command = first === undefined || first.startsWith("--") ? "serve" : first;
  const args = command === "serve" && first !== "serve" ? argv : rest;
  if (args.includes("--help")) return print(HELP);
  const env = process.env;

  switch (command) {
    case "serve": {
      const { flags, positionals } = parseArgs(args, SERVE_OPTIONS);
      refuseExtra(positionals);
      const config = loadConfig({ env, flags });
      const { startServer } = await import("./server");
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
    }
    case "set-password": {
      const { flags, positionals } = parseArgs(args, ["dataDir"], STDIN_OPTION);
      refuseExtra(positionals);
      if (flags.stdin === undefined) throw new UsageError("set-password reads the password from standard input: lts set-password --stdin");
      const { setPasswordCommand } = await import("./cli/commands/set-password");
      const { readAllStdin } = await import("./cli/prompt");
      return print(await setPasswordCommand(loadConfig({ env, flags }), readAllStdin));
    }
    case "reset-password": {
      const { flags, positionals } = parseArgs(args, ["dataDir"]);
      refuseExtra(positionals);
      const { resetPasswordCommand } = await import("./cli/commands/set-password");
      const { terminalPrompt } = await import("./cli/prompt");
      return print(await resetPasswordCommand(loadConfig({ env, flags }), terminalPrompt()));
    }
    case "uuid": {
      const { flags, positionals } = parseArgs(args, ["dataDir"], UUID_GENERATE_OPTIONS);
      const [sub, ...extra] = positionals;
      refuseExtra(extra);
      const misplaced = sub === undefined && Object.keys(UUID_GENERATE_OPTIONS).find((name) => flags[name] !== undefined);
      if (misplaced) throw new UsageError(`${UUID_GENERATE_OPTIONS[misplaced as keyof typeof UUID_GENERATE_OPTIONS].flag} belongs to 'lts uuid generate'.`);
      const config = loadConfig({ env, flags });
      const { showUuidCommand, generateUuidCommand } = await import("./cli/commands/uuid");
      if (sub === undefined) return print(await showUuidCommand(config));
      if (sub === "labels") {
        // What the server reads through this command in a child process (its event loop stays free).
        const { readHardwareLabels } = await import("./services/machine-identity/read-hardware-labels");
        const readings = await readHardwareLabels({ customIdFile: null });
        if (flags.json !== undefined) return print(JSON.stringify(readings));
        return print(readings.map((r) => `${r.label.padEnd(19)}${r.value !== null ? "available" : `not available: ${r.reason}`}`).join("\n"));
      }
      if (sub !== "generate") throw new UsageError(`Unknown uuid command '${sub}'. Use 'lts uuid', 'lts uuid labels' or 'lts uuid generate --labels ...'.`);
      return print(await generateUuidCommand(config, { labels: flags.labels, customIdFile: flags.customIdFile, yes: flags.yes !== undefined }, (line) => print(line)));
    }
    case "import": {
      const { flags, positionals } = parseArgs(args, ["dataDir"], IMPORT_OPTIONS);
      const [file, ...extra] = positionals;
      refuseExtra(extra);
      if (!file) throw new UsageError("Name the license file: lts import FILE [--code SUFFIX]");
      const { importCommand } = await import("./cli/commands/import");
      const { trustedIssuers } = await import("./trusted-issuers");
      return print(await importCommand(loadConfig({ env, flags }), { file, codeSuffix: flags.code, trusted: trustedIssuers() }));
    }
    case "codes": {
      const { flags, positionals } = parseArgs(args, ["dataDir", "port", "basePath"], CODES_OPTIONS);
      refuseExtra(positionals);
      const { codesCommand } = await import("./cli/commands/codes");
      const text = codesCommand(loadConfig({ env, flags }), { json: flags.json !== undefined });
      return text === "" ? 0 : print(text);
    }
    case "server-url": {
      const { flags, positionals } = parseArgs(args, ["dataDir"], SERVER_URL_OPTIONS);
      refuseExtra(positionals);
      if (flags.main === undefined) throw new UsageError("Give the main server's URL: lts server-url --main URL [--standby URL --standby-key KEY]");
      if (flags.standbyKey !== undefined && flags.standby === undefined) throw new UsageError("--standby-key goes with --standby URL.");
      const { serverUrlCommand } = await import("./cli/commands/codes");
      return print(serverUrlCommand(loadConfig({ env, flags }), { main: flags.main, standby: flags.standby, standbyKey: flags.standbyKey }));
    }
    default:
      throw new UsageError(`Unknown command '${command}'. Run 'lts --help' to see the commands.`);
  }
}

function refuseExtra(positionals: string[]) {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'. Run 'lts --help' to see the usage.`);
}

function print(text: string): number {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  return 0;
}

// No top-level await: the binary is compiled with --bytecode, which emits CommonJS.
main(Bun.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    // Errors an operator can act on are printed as they are; anything else without a stack trace.
    const known = err instanceof UsageError || err instanceof CommandError || err instanceof ConfigError || err instanceof DataDirError || err instanceof AppError;
    const message = err instanceof AppError && err.details.fields ? Object.values(err.details.fields).join("\n") : (err as Error).message;
    process.stderr.write(`lts: ${known ? message : `unexpected error: ${message}`}\n`);
    process.exit(err instanceof UsageError || err instanceof ConfigError ? 2 : 1);
  },
);
