import { join } from "node:path";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { openDataDir } from "../../db/data-dir";
import { closeDatabase } from "../../db/client";
import { LoginThrottle } from "../../domain/login-throttle";
import { systemClock } from "../../lib/clock";
import { argon2Hasher } from "../../lib/password-hasher";
import { isPasswordSet, replacePassword, setInitialPassword, SetupToken } from "../../services/admin";
import { consoleActor, type ServiceContext } from "../../services/context";
import type { Prompt } from "../prompt";
import { CommandError } from "../errors";

function consoleContext(config: Config, db: Db): ServiceContext {
  return { db, clock: systemClock, hasher: argon2Hasher(join(config.dataDir, "tmp")), throttle: new LoginThrottle(), actor: consoleActor };
}

/**
 * `lts set-password --stdin`: sets the first management password from standard input, for
 * scripted installs. Refused once a password exists (use reset-password on the console).
 */
export async function setPasswordCommand(config: Config, readStdin: () => Promise<string>): Promise<string> {
  const db = openDataDir(config.dataDir);
  try {
    if (isPasswordSet(db)) throw new CommandError("A management password is already set. To replace it, run 'lts reset-password' on this server's console.");
    await setInitialPassword(consoleContext(config, db), await readStdin(), { via: "set-password" });
    new SetupToken(config.dataDir).consume();
    return "Management password set. Open the portal and log in with it.";
  } finally {
    closeDatabase(db);
  }
}

/**
 * `lts reset-password`: on the server's own console, replaces a lost management password and
 * ends every portal session. Audit-logged as the console's act.
 */
export async function resetPasswordCommand(config: Config, prompt: Prompt): Promise<string> {
  const db = openDataDir(config.dataDir);
  try {
    const password = await prompt.secret("New management password: ");
    const again = await prompt.secret("Type it again: ");
    if (password === null || again === null) throw new CommandError("No password given; nothing changed.");
    if (password !== again) throw new CommandError("The two passwords differ; nothing changed. Run the command again.");
    const { endedSessions } = await replacePassword(consoleContext(config, db), { password, field: "password", keepSessionIdHash: null, action: "password.reset" });
    new SetupToken(config.dataDir).consume();
    return `Management password reset. ${endedSessions} portal session(s) ended.`;
  } finally {
    closeDatabase(db);
  }
}
