import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { FILE_MODE, type DataDir } from "../../db/data-dir";

/**
 * How `lts restore` knows a server runs on a data dir: the server writes its process id to
 * `<data-dir>/server.pid` when it starts and removes the file when it stops. A file left by a
 * server that died (its process is gone) does not count. (bun has no portable exclusive file
 * lock, and a lock would not tell the operator *which* process holds the data dir.)
 */
export function markServerRunning(dir: Pick<DataDir, "serverPid">, pid = process.pid): { release(): void } {
  writeFileSync(dir.serverPid, `${pid}\n`, { mode: FILE_MODE });
  return {
    release() {
      // Only our own mark: a server started later on the same dir keeps its file.
      if (runningServerPid(dir) === pid) rmSync(dir.serverPid, { force: true });
    },
  };
}

/** The process id of the server running on the data dir, or null when none is. */
export function runningServerPid(dir: Pick<DataDir, "serverPid">): number | null {
  if (!existsSync(dir.serverPid)) return null;
  const pid = Number(readFileSync(dir.serverPid, "utf8").trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  return isAlive(pid) ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
