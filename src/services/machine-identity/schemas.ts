import { isAbsolute } from "node:path";
import * as v from "valibot";
import { MACHINE_LABELS } from "../../domain/machine-uuid";

export const GenerateMachineUuidInput = v.object({
  labels: v.pipe(
    v.array(v.picklist(MACHINE_LABELS, `Unknown label: choose from ${MACHINE_LABELS.join(", ")}.`), "Choose at least one label."),
    v.minLength(1, "Choose at least one label."),
    v.transform((labels) => [...new Set(labels)]),
  ),
  customIdFile: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.maxLength(4096, "This path is too long."),
      v.check((p) => p === "" || isAbsolute(p), "Give the file's full path, e.g. /var/lib/lts-id."),
    ),
  ),
  /** The admin has been told that the imported licenses stop working with a new UUID. */
  confirm: v.optional(v.boolean(), false),
});
export type GenerateMachineUuidInput = v.InferInput<typeof GenerateMachineUuidInput>;
