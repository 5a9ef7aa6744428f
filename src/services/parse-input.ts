import * as v from "valibot";
import { validationError } from "../domain/errors";

/**
 * Parses a verb's input with its schema. On failure throws VALIDATION with one message per field
 * (the first problem of each), which forms show beside the field.
 */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const fields: Record<string, string> = {};
  for (const issue of result.issues) {
    const key = issue.path?.map((p) => String(p.key)).join(".") || "_";
    fields[key] ??= issue.message;
  }
  throw validationError(fields);
}
