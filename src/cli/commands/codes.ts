import type { Config } from "../../config";
import { closeDatabase } from "../../db/client";
import { openDataDir } from "../../db/data-dir";
import { AppError } from "../../domain/errors";
import { systemClock } from "../../lib/clock";
import { firstNonLoopbackIPv4, type HostAddressLookup } from "../../lib/host-address";
import { consoleActor } from "../../services/context";
import { listHandshakeCodes } from "../../services/handshake-codes";
import { loadOrCreateInstanceKey } from "../../services/instance-key";
import { readServerUrls, setServerUrls, type ServerOrigin } from "../../services/settings";
import { CommandError } from "../errors";

const origin = (config: Config, hostAddress: HostAddressLookup): ServerOrigin => ({ tls: !!config.tlsCert, port: config.port, basePath: config.basePath, hostAddress });

/**
 * `lts codes [--json]`: every handshake code, sorted, one line each —
 * `code default|- enabled|disabled itemIds(comma-separated, in consumption order) licenseKey` —
 * or a JSON array. Until the server URLs are set, keys carry this host's address with the port
 * and base path of the configuration (--port, --base-path or LTS_PORT, LTS_BASE_PATH).
 */
export function codesCommand(config: Config, options: { json: boolean }, hostAddress: HostAddressLookup = firstNonLoopbackIPv4): string {
  const db = openDataDir(config.dataDir);
  try {
    const codes = listHandshakeCodes({ db, clock: systemClock, instanceKey: loadOrCreateInstanceKey(config.dataDir), origin: origin(config, hostAddress) });
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
  } finally {
    closeDatabase(db);
  }
}

/**
 * `lts server-url --main URL [--standby URL --standby-key KEY]`: what Set Server URL does. Sets
 * exactly what is given: without --standby there is no standby any more. Every license key
 * carries the new URLs at once (the running server shows them too).
 */
export function serverUrlCommand(config: Config, input: { main: string; standby?: string; standbyKey?: string }): string {
  const db = openDataDir(config.dataDir);
  try {
    let changed: boolean;
    try {
      ({ changed } = setServerUrls({ db, clock: systemClock, actor: consoleActor }, { main: input.main, standby: input.standby ?? "", standbyPublicKey: input.standbyKey ?? "" }));
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "VALIDATION") throw err;
      const flags: Record<string, string> = { main: "--main", standby: "--standby", standbyPublicKey: "--standby-key" };
      const lines = Object.entries(err.details.fields ?? {}).map(([field, message]) => `${flags[field] ?? field}: ${message}`);
      throw new CommandError(`${lines.join("\n")}\nNothing changed.`);
    }
    const urls = readServerUrls(db, origin(config, firstNonLoopbackIPv4), loadOrCreateInstanceKey(config.dataDir));
    return [
      changed ? "Server URLs saved. Every license key now carries them:" : "The server URLs were already these; nothing changed:",
      `  main     ${urls.main}`,
      `  standby  ${urls.standby ? `${urls.standby} (key id ${urls.standbyKid})` : "none"}`,
      "Run 'lts codes' to print the license keys.",
    ].join("\n");
  } finally {
    closeDatabase(db);
  }
}
