import type { Db } from "./client";

/**
 * Runs `fn` inside one `BEGIN IMMEDIATE … COMMIT` and returns its result; a throw rolls it back.
 *
 * `fn` must be synchronous: bun:sqlite (and drizzle on it) would commit at the first `await`
 * and run the rest outside the transaction. A callback that returns a promise or any other
 * thenable is rolled back and refused with an error, so the mistake cannot ship silently.
 */
export function transaction<T>(db: Db, fn: (tx: Db) => T): T {
  const run = db.$client.transaction(() => {
    const result = fn(db);
    if (isThenable(result)) {
      // Swallow the orphaned promise's own rejection; the error below is the one that matters.
      (result as PromiseLike<unknown>).then(undefined, () => {});
      throw new TypeError("transaction(): the callback returned a promise; it must be synchronous (see src/db/transaction.ts)");
    }
    return result;
  });
  return run.immediate();
}

function isThenable(value: unknown): boolean {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}
