import { rmSync, writeFileSync } from "node:fs";
import { dataDirAt, FILE_MODE } from "../../db/data-dir";
import { constantTimeEqual, randomToken } from "../../lib/ids";

/**
 * The one-time token that proves whoever sets the first password can read the server's console,
 * log or data dir. A new one is made at every start while no password is set; it lives in memory
 * and in `<data-dir>/setup-token` (0600), and the setup that wins consumes it.
 */
export class SetupToken {
  #token: string | null = null;
  constructor(private readonly dataDir: string | null) {}

  /** Makes a fresh token and writes its file. Returns it for the console line. */
  issue(): string {
    this.#token = randomToken(32);
    if (this.dataDir) writeFileSync(this.path, this.#token + "\n", { mode: FILE_MODE });
    return this.#token;
  }

  matches(candidate: string): boolean {
    return this.#token !== null && constantTimeEqual(candidate, this.#token);
  }

  consume(): void {
    this.#token = null;
    if (this.dataDir) rmSync(this.path, { force: true });
  }

  get path(): string {
    return dataDirAt(this.dataDir ?? "").setupToken;
  }
}
