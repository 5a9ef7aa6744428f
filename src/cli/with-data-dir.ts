import type { Config } from "../config";
import { closeDatabase, type Db } from "../db/client";
import { dataDirAt, openDataDir, type DataDir } from "../db/data-dir";
import { LoginThrottle } from "../domain/login-throttle";
import { systemClock } from "../lib/clock";
import { firstNonLoopbackIPv4 } from "../lib/host-address";
import { createLogger } from "../lib/logger";
import { argon2Hasher } from "../lib/password-hasher";
import { SmtpMailer } from "../mail/smtp-mailer";
import { consoleActor, type ServiceContext } from "../services/context";
import { loadOrCreateInstanceKey } from "../services/instance-key";
import { MachineIdentity, readHardwareLabels, type LabelReader } from "../services/machine-identity";
import { trustedIssuers } from "../trusted-issuers";

/** What a command that opens the data dir works with: the console's service context, its config and paths. */
export interface ConsoleContext extends ServiceContext {
  config: Config;
  dir: DataDir;
}

/**
 * The console's service context: the real clock and hasher, acting as the console (audited so),
 * warnings to standard error. The instance key, the trusted issuers and the machine identity are
 * made on first use, so a command pays only for what it reads. `readLabels` replaces the hardware
 * reader (tests).
 */
export function consoleContext(config: Config, db: Db, readLabels: LabelReader = readHardwareLabels): ConsoleContext {
  const dir = dataDirAt(config.dataDir);
  const logger = createLogger([(line) => process.stderr.write(line + "\n")], "warn");
  let instanceKey: ServiceContext["instanceKey"] | undefined;
  let issuers: ServiceContext["trustedIssuers"] | undefined;
  let machine: MachineIdentity | undefined;
  return {
    db,
    clock: systemClock,
    logger,
    hasher: argon2Hasher(dir.tmp),
    throttle: new LoginThrottle(),
    actor: consoleActor,
    mailerFor: (settings) => new SmtpMailer(settings),
    origin: { tls: !!config.tlsCert, port: config.port, basePath: config.basePath, hostAddress: firstNonLoopbackIPv4 },
    get instanceKey() {
      return (instanceKey ??= loadOrCreateInstanceKey(config.dataDir, db));
    },
    get trustedIssuers() {
      return (issuers ??= trustedIssuers());
    },
    get machine() {
      return (machine ??= new MachineIdentity(db, readLabels, logger));
    },
    config,
    dir,
  };
}

/**
 * Opens the data dir's database (as the server does: created, migrated, a foreign or lost one
 * refused), runs `run`, and always closes the database again: when `run` returns, throws, or —
 * if it is async — when its promise settles either way.
 */
export function withDataDir<T>(config: Config, run: (ctx: ConsoleContext) => T, readLabels?: LabelReader): T {
  const db = openDataDir(config.dataDir);
  let result: T;
  try {
    result = run(consoleContext(config, db, readLabels));
  } catch (err) {
    closeDatabase(db);
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => closeDatabase(db)) as T;
  closeDatabase(db);
  return result;
}
