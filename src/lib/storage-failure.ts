/**
 * What a failed database write means for the operator, or null when it is not the storage's fault.
 * A full disk is worth its own words: the server keeps serving reads and refuses writes (code 2)
 * until space is freed, without a restart.
 */
export function storageFailure(error: unknown): { kind: "disk-full" | "io-error"; log: string } | null {
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  if (code.startsWith("SQLITE_FULL") || code === "ENOSPC") {
    return { kind: "disk-full", log: "disk full: the data dir's file system has no space left; client writes are refused (code 2) until space is freed" };
  }
  if (code.startsWith("SQLITE_IOERR")) return { kind: "io-error", log: `I/O error on the database (${code}): client writes are refused (code 2); check the disk` };
  return null;
}
