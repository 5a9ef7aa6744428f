import { inArray } from "drizzle-orm";
import { settings } from "../../db/schema";
import { defaultMainUrl, parseServerPublicKey } from "../../domain/server-url";
import type { HostAddressLookup } from "../../lib/host-address";
import type { ServiceContext } from "../context";

/** The settings rows "Set Server URL" writes; absent = not set. */
export const SERVER_URL_SETTINGS = {
  main: "server.mainUrl",
  standby: "server.standbyUrl",
  standbyPublicKey: "server.standbyPublicKey",
} as const;

/** Where this server listens, for the default main URL (PROTOCOL.md, "License key string"). */
export interface ServerOrigin {
  /** The server serves HTTPS itself (--tls-cert). */
  tls: boolean;
  port: number;
  /** "" or e.g. "/lts". */
  basePath: string;
  /** This host's address as other machines see it; injected so tests are deterministic. */
  hostAddress: HostAddressLookup;
}

import type { ServerUrls } from "../../domain/server-url";
export type { ServerUrls };

/** The server URLs in effect now, as the license keys carry them. Cheap: one small query. */
export function readServerUrls({ db, origin, instanceKey }: Pick<ServiceContext, "db" | "origin" | "instanceKey">): ServerUrls {
  const rows = db
    .select()
    .from(settings)
    .where(inArray(settings.key, Object.values(SERVER_URL_SETTINGS)))
    .all();
  const value = (key: string) => rows.find((r) => r.key === key)?.value ?? null;
  const main = value(SERVER_URL_SETTINGS.main);
  const standby = value(SERVER_URL_SETTINGS.standby);
  const standbyKey = value(SERVER_URL_SETTINGS.standbyPublicKey);
  const parsedKey = standbyKey ? parseServerPublicKey(standbyKey) : null;
  const standbyPublicKey = parsedKey?.ok ? parsedKey.value.publicKey : null;
  return {
    main: main ?? defaultMainUrl({ tls: origin.tls, host: origin.hostAddress(), port: origin.port, basePath: origin.basePath }),
    mainIsDefault: main === null,
    standby,
    standbyPublicKey,
    standbyKid: parsedKey?.ok ? parsedKey.value.kid : null,
    publicKey: instanceKey.publicKey,
    kid: instanceKey.kid,
    publicKeys: [...new Set([instanceKey.publicKey, ...(standby && standbyPublicKey ? [standbyPublicKey] : [])])],
  };
}
