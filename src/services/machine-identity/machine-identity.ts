import type { Db } from "../../db/client";
import { AppError } from "../../domain/errors";
import { deriveMachineUuid, labelDigest, labelNames, machineStatus, STARTING_STATUS, type LabelReading, type MachineLabel, type MachineStatus } from "../../domain/machine-uuid";
import type { Logger } from "../../lib/logger";
import type { Actor } from "../context";
import { adoptCurrentUuid, type CurrentIdentity } from "./adopt-current-uuid";
import type { LabelReader } from "./read-hardware-labels";
import { loadStoredIdentity } from "./stored-identity";

const SYSTEM: Actor = { kind: "system", ip: null };

/** This server's hardware binding, as the license import needs it. */
export interface MachineBinding {
  /** The UUID this hardware gives now for the chosen labels (null: none generated yet). */
  uuid: string | null;
  /** The UUID stored when it was generated; differs from `uuid` during a mismatch. */
  storedUuid: string | null;
  /** Makes `uuid` the server's identity, inside the import's transaction. */
  adopt(tx: Db, at: Date): void;
}

/**
 * The hardware binding held in memory for the rest of the server (deps.machine). The status is
 * computed at start-up in the background (until then it says "starting up"), after every change,
 * and whenever another process (`lts uuid generate`) changed the stored identity.
 */
export class MachineIdentity {
  #status: MachineStatus = STARTING_STATUS;
  #current: CurrentIdentity | null = null;
  /** The stored row the status was computed from ("" = none), to notice changes by other processes. */
  #seenStored: string | null = null;
  #latest = 0;
  #pending: Promise<MachineStatus> | null = null;

  constructor(
    private readonly db: Db,
    /** Reads the labels on this machine; the real one caches the hardware part. */
    readonly readLabels: LabelReader,
    private readonly logger?: Logger,
  ) {}

  /** The last computed status: instant, no I/O. "starting" until the first refresh ends. */
  status(): MachineStatus {
    return this.#status;
  }

  /** Every label as read on this machine (the custom ID file at `customIdFile`, default the stored one). */
  labels(customIdFile?: string | null): Promise<LabelReading[]> {
    return this.readLabels({ customIdFile: customIdFile === undefined ? this.#status.customIdFile : customIdFile });
  }

  /**
   * Recomputes the status from the stored choice and the labels read now. Concurrent calls are
   * safe: the last one started wins.
   */
  refresh(): Promise<MachineStatus> {
    const run = ++this.#latest;
    const pending: Promise<MachineStatus> = this.#compute().then((computed) => {
      // A refresh started later read the database later: its answer is the one that stands.
      if (run !== this.#latest) return this.#pending!;
      this.#log(this.#status, computed.status);
      this.#status = computed.status;
      this.#current = computed.current;
      this.#seenStored = computed.seen;
      return computed.status;
    });
    this.#pending = pending;
    return pending;
  }

  /** The status once the latest refresh started (if any) has ended. */
  async settled(): Promise<MachineStatus> {
    await this.#pending?.catch(() => {});
    return this.#status;
  }

  /**
   * Cheap (one row read): starts a refresh when the stored identity differs from the one the
   * status was computed from, e.g. after `lts uuid generate` on the same data dir.
   */
  noticeStoredChange(): void {
    if (this.#seenStored === null) return; // the first refresh has not ended yet
    try {
      if (storedKey(this.db) !== this.#seenStored) void this.refresh().catch((error) => this.logger?.error("machine identity refresh failed", { error }));
    } catch (error) {
      this.logger?.error("reading the stored machine identity failed", { error });
    }
  }

  /**
   * Rebinds the stored identity to the UUID this hardware gives now (see adoptCurrentUuid), inside
   * the caller's transaction; the status is recomputed once that transaction has ended (await
   * `refresh()` after it commits to see it at once). Throws CONFLICT while no current UUID is
   * known: still starting up, or a chosen label has no value on this machine.
   */
  /** The binding a license import checks files against; CONFLICT while still starting up. */
  binding(actor: Actor = SYSTEM): MachineBinding {
    const status = this.#status;
    if (status.state === "starting") throw new AppError("CONFLICT", "The server is still reading this machine's hardware labels. Try again in a moment.");
    return { uuid: status.uuid, storedUuid: status.storedUuid, adopt: (tx, at) => void this.adoptCurrentUuid(tx, at, actor) };
  }

  adoptCurrentUuid(tx: Db, at: Date, actor: Actor = SYSTEM): { uuid: string; previousUuid: string | null } | null {
    const status = this.#status;
    if (status.state === "starting") throw new AppError("CONFLICT", "The server is still reading this machine's hardware labels. Try again in a moment.");
    if (!this.#current) {
      throw new AppError("CONFLICT", `This machine gives no UUID now: ${labelNames(status.changedLabels)} has no value here. Generate a new UUID with other labels first.`);
    }
    const result = adoptCurrentUuid(tx, at, this.#current, actor);
    // Runs after the caller's synchronous transaction, committed or rolled back: reads the truth.
    queueMicrotask(() => void this.refresh().catch((error) => this.logger?.error("machine identity refresh failed", { error })));
    return result;
  }

  /** One log line when the binding's state changes (never a label's value). */
  #log(before: MachineStatus, after: MachineStatus): void {
    if (!this.logger || (before.state === after.state && before.storedUuid === after.storedUuid && before.uuid === after.uuid)) return;
    if (after.state === "ok") this.logger.info("machine UUID matches this hardware", { uuid: after.storedUuid, labels: after.labels });
    else if (after.state === "none") this.logger.warn(after.reason);
    else this.logger.warn(after.reason, { uuid: after.storedUuid, uuidNow: after.uuid, changedLabels: after.changedLabels });
  }

  async #compute(): Promise<{ status: MachineStatus; current: CurrentIdentity | null; seen: string }> {
    const stored = loadStoredIdentity(this.db);
    const readings = await this.readLabels({ customIdFile: stored?.customIdFile ?? null, only: stored?.labels });
    const values: Partial<Record<MachineLabel, string | null>> = {};
    for (const r of readings) values[r.label] = r.value;
    const status = machineStatus(stored, values);
    let current: CurrentIdentity | null = null;
    if (stored && status.uuid) {
      const digests: Partial<Record<MachineLabel, string>> = {};
      const chosen: Partial<Record<MachineLabel, string>> = {};
      for (const label of stored.labels) (digests[label] = labelDigest(values[label]!)), (chosen[label] = values[label]!);
      current = { uuid: deriveMachineUuid(chosen), labels: status.labels, digests, customIdFile: stored.customIdFile };
    }
    return { status, current, seen: storedKey(this.db, stored) };
  }
}

function storedKey(db: Db, stored = loadStoredIdentity(db)): string {
  return stored ? `${stored.uuid}@${stored.updatedAt.getTime()}` : "";
}
