/**
 * The checkpointer's thread (src/db/checkpointer.ts): a connection of its own to the database,
 * which copies the WAL's pages into the database file whenever another connection has committed
 * since it last looked (`PRAGMA data_version`, every `intervalMs`). A PASSIVE checkpoint never
 * waits for a lock and never blocks a writer. Each one's WAL size goes back to the server's thread;
 * any error ends the checkpoints here (the server's thread then checkpoints itself).
 */
import { Database } from "bun:sqlite";
import type { CheckpointerReport, CheckpointerRequest } from "./checkpointer";

declare const self: Worker;

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

self.onmessage = (event: MessageEvent<CheckpointerRequest>) => {
  const request = event.data;
  if (request.type === "close") {
    clearInterval(timer);
    db?.close();
    db = null;
    post({ type: "closed" });
    return;
  }
  try {
    db = new Database(request.path, { readwrite: true, create: false });
    const version = db.query<{ data_version: number }, []>("PRAGMA data_version");
    const checkpoint = db.query<{ log: number }, []>("PRAGMA wal_checkpoint(PASSIVE)");
    let seen = -1;
    timer = setInterval(() => guarded(() => {
      const now = version.get()!.data_version;
      if (now === seen) return;
      seen = now;
      post({ type: "checkpointed", walFrames: checkpoint.get()!.log });
    }), request.intervalMs);
  } catch (error) {
    fail(error);
  }
};

function guarded(work: () => void): void {
  try {
    work();
  } catch (error) {
    fail(error);
  }
}

function fail(error: unknown): void {
  clearInterval(timer);
  post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
}

function post(report: CheckpointerReport): void {
  self.postMessage(report);
}
