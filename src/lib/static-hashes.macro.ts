// Evaluated by Bun at bundle time (imported `with { type: "macro" }`): the content hash of every
// file in static/ is computed once when the program is built (or, from source, transpiled), not
// at every start. The compiled binary embeds the same files (`--asset=static`), so the hashes hold.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** File name in static/ → the first 12 hex digits of its SHA-256. */
export function staticFileHashes(): Record<string, string> {
  const dir = join(import.meta.dir, "../../static");
  return Object.fromEntries(readdirSync(dir).map((entry) => [entry, createHash("sha256").update(readFileSync(join(dir, entry))).digest("hex").slice(0, 12)]));
}
