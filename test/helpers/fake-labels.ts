import { MACHINE_LABELS, normalizeLabelValue, type LabelReading, type MachineLabel } from "../../src/domain/machine-uuid";
import { readCustomIdFile, type LabelReader } from "../../src/services/machine-identity";

/** The labels a test machine has unless a test says otherwise: a machine-id and a MAC. */
export const TEST_LABELS: Partial<Record<MachineLabel, string>> = {
  "machine-id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
  mac: "52:54:00:12:34:56",
};

/**
 * A label reader with fixed values, for tests: labels without a value are unavailable with the
 * reason given (or "not on this test machine"); the custom ID file is read for real unless
 * `values.custom` is set. Change `values` and call `deps.machine.refresh()` to swap hardware.
 */
export class FakeLabelReader {
  reads = 0;
  /** The `only` option of the last read (undefined: every label asked for). */
  lastOnly: readonly MachineLabel[] | undefined;
  constructor(
    public values: Partial<Record<MachineLabel, string>> = { ...TEST_LABELS },
    public reasons: Partial<Record<MachineLabel, string>> = {},
  ) {}

  readonly read: LabelReader = async ({ customIdFile, only }) => {
    this.reads++;
    this.lastOnly = only;
    return MACHINE_LABELS.map((label): LabelReading => {
      if (label === "custom" && this.values.custom === undefined) return readCustomIdFile(customIdFile ?? null);
      const raw = this.values[label];
      if (raw === undefined) return { label, value: null, reason: this.reasons[label] ?? "not on this test machine" };
      return { label, ...normalizeLabelValue(label, raw) };
    });
  };
}
