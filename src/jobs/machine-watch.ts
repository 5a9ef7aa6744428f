import type { MachineIdentity } from "../services/machine-identity";
import type { Job } from "./scheduler";

/** How often the stored machine identity is checked for changes made by `lts uuid generate`. */
export const MACHINE_WATCH_MS = 3_000;

/** Every 3 seconds: one row read; recomputes the machine status when another process changed it. */
export function machineWatchJob(deps: { machine: Pick<MachineIdentity, "noticeStoredChange"> }): Job {
  return { name: "machine-watch", intervalMs: MACHINE_WATCH_MS, run: () => deps.machine.noticeStoredChange() };
}
