import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Hashes and checks the management password. The port lets tests count or slow the checks. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

type Argon2 = typeof import("@node-rs/argon2");

/**
 * argon2id with @node-rs/argon2's defaults (m=19456 KiB, t=2, p=1: OWASP's minimum), loaded on
 * first use.
 */
export function argon2Hasher(tmpDir: string): PasswordHasher {
  let loaded: Promise<Argon2> | undefined;
  const argon2 = () => (loaded ??= loadArgon2(tmpDir));
  return {
    async hash(password) {
      const { hash } = await argon2(); // argon2id is the default algorithm
      return hash(password);
    },
    async verify(hash, password) {
      const { verify } = await argon2();
      try {
        return await verify(hash, password);
      } catch {
        return false; // a malformed stored hash is a failed check, not a crash
      }
    },
  };
}

/**
 * In the compiled binary the native module is embedded, and Bun would unpack it into the $TMPDIR
 * the process started with (read once, at start). A hardened service's /tmp may be unwritable or
 * mounted noexec, so the module is unpacked into `tmpDir` (inside the data dir) here and handed to
 * the napi-rs loader through NAPI_RS_NATIVE_LIBRARY_PATH. From source, node_modules has it.
 */
async function loadArgon2(tmpDir: string): Promise<Argon2> {
  const embedded = Bun.embeddedFiles.find((f) => /^argon2\..+\.node$/.test((f as Blob & { name: string }).name)) as (Blob & { name: string }) | undefined;
  if (embedded) {
    mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
    const path = join(tmpDir, embedded.name); // the name carries a content hash
    if (!existsSync(path) || statSync(path).size !== embedded.size) {
      const partial = `${path}.${process.pid}.part`;
      writeFileSync(partial, new Uint8Array(await embedded.arrayBuffer()), { mode: 0o700 });
      renameSync(partial, path);
    }
    process.env.NAPI_RS_NATIVE_LIBRARY_PATH = path;
  }
  return await import("@node-rs/argon2");
}
