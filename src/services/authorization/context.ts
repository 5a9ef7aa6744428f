import type { FailureLimiter } from "../../domain/request-limiter";
import type { ServiceContext } from "../context";
import type { InstanceKey } from "../instance-key";
import type { UsageStore } from "../usage/usage-store";

/** What the client API's verbs run with. */
export interface ApiContext extends Pick<ServiceContext, "db" | "clock"> {
  /**
   * Runs synchronous work in a transaction and resolves once it is committed (durable): the
   * server batches concurrent requests into one commit (src/db/group-commit.ts).
   */
  atomically<T>(work: () => T): Promise<T>;
  store: UsageStore;
  instanceKey: Pick<InstanceKey, "mac">;
  /** Wrong session passwords per source (code 3 past the limit). */
  passwordLimiter: FailureLimiter;
  /** Why clients cannot be served now (no UUID, binding mismatch, starting up), or null. */
  notReady(): string | null;
  /** The request's source address and its browser Origin header, if any. */
  source: { ip: string | null; origin: string | null };
}
