import type { Config } from "../config";
import { closeDatabase, type Db } from "../db/client";
import { dataDirAt, openDataDir, type DataDir } from "../db/data-dir";
import { LoginThrottle } from "../domain/login-throttle";
import { systemClock } from "../lib/clock";
import { argon2Hasher } from "../lib/password-hasher";
import { consoleActor, type ServiceContext } from "../services/context";

/** What a command that opens the data dir works with: the console's service context, its config and paths. */
export interface ConsoleContext extends ServiceContext {
  config: Config;
  dir: DataDir;
}

/** The console's service context: the real clock and hasher, acting as the console (audited so). */
export function consoleContext(config: Config, db: Db): ConsoleContext {
  const dir = dataDirAt(config.dataDir);
  return { db, clock: systemClock, hasher: argon2Hasher(dir.tmp), throttle: new LoginThrottle(), actor: consoleActor, config, dir };
}

/**
 * Opens the data dir's database (as the server does: created, migrated, a foreign or lost one
 * refused), runs `run`, and always closes the database again: when `run` returns, throws, or —
 * if it is async — when its promise settles either way.
 */
export function withDataDir<T>(config: Config, run: (ctx: ConsoleContext) => T): T {
  const db = openDataDir(config.dataDir);
  let result: T;
  try {
    result = run(consoleContext(config, db));
  } catch (err) {
    closeDatabase(db);
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => closeDatabase(db)) as T;
  closeDatabase(db);
  return result;
}
