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
