// The pass criteria of the fault scenarios, as lists of broken rules (empty: pass), so that the
// tests and the long-running scripts judge the same way.
import type { CrashResult } from "./crash-scenario";
import type { DatabaseCheck } from "./harness";

/** Restart to ready (/healthz 200), at most: a pass criterion of the issue, not a micro-timing. */
export const MAX_READY_MS = 3000;

/** Acked vs persisted: nothing acknowledged lost, nothing counted twice, counters equal recounts. */
export function ledgerVerdict(check: DatabaseCheck): string[] {
  const problems: string[] = [];
  if (check.integrity !== "ok") problems.push(`integrity_check: ${check.integrity}`);
  if (check.missingReports.length > 0) problems.push(`${check.missingReports.length} acknowledged reports lost: ${check.missingReports.slice(0, 5).join(", ")}`);
  if (check.missingDevices.length > 0) problems.push(`${check.missingDevices.length} acknowledged device grants lost: ${check.missingDevices.slice(0, 5).join(", ")}`);
  if (check.reportRows !== check.ackedReports) problems.push(`reports table has ${check.reportRows} rows, ${check.ackedReports} reports were acknowledged`);
  if (check.ledgerScans !== check.ackedScans) problems.push(`ledger holds ${check.ledgerScans} scans, acknowledged reports carried ${check.ackedScans}`);
  if (check.consumed !== check.ledgerScans) problems.push(`item_counters.consumed ${check.consumed} ≠ recount of usage_records ${check.ledgerScans}`);
  return problems;
}

export function crashVerdict(result: CrashResult): string[] {
  const problems = ledgerVerdict(result.check);
  if (result.unacknowledged !== 0) problems.push(`${result.unacknowledged} reports never acknowledged after the drain`);
  if (result.libraryAcked !== result.libraryCounted) problems.push(`client-library devices counted ${result.libraryCounted} scans, the server acknowledged ${result.libraryAcked}`);
  if (result.stats.violations.length > 0) problems.push(`protocol violations: ${result.stats.violations.slice(0, 5).join(" | ")}`);
  if (result.maxReadyMs > MAX_READY_MS) problems.push(`restart to ready took ${result.maxReadyMs} ms (> ${MAX_READY_MS} ms)`);
  if (result.exitCode !== 0) problems.push(`SIGTERM exit code ${result.exitCode}`);
  if (result.check.ackedReports === 0) problems.push("no report was acknowledged: the load did not run");
  return problems;
}
