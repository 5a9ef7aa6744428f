/**
 * Where this program runs from. Note that in a `--bytecode` build a module's `import.meta` dir is the source
 * folder it was built from, fixed at build time, so it cannot tell: Bun.main can (in the compiled
 * binary it names the embedded entry point, `/$bunfs/root/…`, or `B:/~BUN/root/…` on Windows).
 */
export function isCompiledBinary(): boolean {
  return Bun.main.startsWith("/$bunfs/") || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(Bun.main);
}

/** The command line that runs this same program again: the binary itself, or bun with main.ts. */
export function selfCommand(): string[] {
  return isCompiledBinary() ? [process.execPath] : [process.execPath, Bun.main];
}

/**
 * The entry point to start a Worker with, given its path under src/ (e.g. "db/checkpoint-worker.ts").
 * The binary holds each worker as an entry point of its own (scripts/build.ts, PROGRAMS), at that
 * path from the root of its embedded files (src/, the folder of all its entry points); with
 * --bytecode a module's import.meta.url names the build machine's source file, so it cannot be used.
 */
export function workerEntry(fromSrc: string): string {
  return isCompiledBinary() ? `./${fromSrc}` : new URL(`../${fromSrc}`, import.meta.url).href;
}
