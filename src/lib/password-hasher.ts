import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

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

/** A native module as embedded in the binary: its file name and its content. */
export type EmbeddedModule = Blob & { name: string };

/**
 * In the compiled binary the native module is embedded, and Bun would unpack it into the $TMPDIR
 * the process started with (read once, at start). A hardened service's /tmp may be unwritable or
 * mounted noexec, so the module is unpacked into `tmpDir` (inside the data dir) here and handed to
 * the napi-rs loader through NAPI_RS_NATIVE_LIBRARY_PATH. From source, node_modules has it.
 */
async function loadArgon2(tmpDir: string): Promise<Argon2> {
  const embedded = Bun.embeddedFiles.find((f) => /^argon2\..+\.node$/.test((f as EmbeddedModule).name)) as EmbeddedModule | undefined;
  if (embedded) process.env.NAPI_RS_NATIVE_LIBRARY_PATH = await unpackNativeModule(tmpDir, embedded);
  return await import("@node-rs/argon2");
}

/**
 * Puts `module` into `dir` and returns its path, making sure that what will be loaded is exactly
 * the embedded copy: the file is loaded as code with the service's rights, so a file left there by
 * someone else (same size, other content; a symlink to elsewhere) is replaced, never trusted.
 * `dir` is created 0700 and tightened to 0700 if it exists looser; a symlinked `dir` is refused.
 */
export async function unpackNativeModule(dir: string, module: EmbeddedModule): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const dirStat = lstatSync(dir);
  if (!dirStat.isDirectory()) throw new Error(`${dir} must be a directory, not a symlink or file: remove it and start again (it is recreated)`);
  if ((dirStat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  const bytes = new Uint8Array(await module.arrayBuffer());
  const path = join(dir, basename(module.name));
  if (!holdsExactly(path, bytes)) {
    const partial = `${path}.${process.pid}.part`;
    rmSync(partial, { force: true });
    writeFileSync(partial, bytes, { mode: 0o700, flag: "wx" }); // wx: never through a planted link
    renameSync(partial, path); // replaces a symlink itself, not its target
  }
  return path;
}

/** Whether `path` is a regular file (not a symlink) with the SHA-256 of `bytes`. */
function holdsExactly(path: string, bytes: Uint8Array): boolean {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (!st.isFile() || st.size !== bytes.length) return false;
  const sha256 = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");
  return sha256(readFileSync(path)) === sha256(bytes);
}
