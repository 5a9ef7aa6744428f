import * as v from "valibot";
import {
  HANDSHAKE_CODE_PATTERN,
  NAME_MAX,
  normalizeValidationList,
  sessionPasswordProblem,
  SUFFIX_PATTERN,
  VALIDATION_VALUES_MAX,
  validationValueProblem,
  type ValidationKind,
} from "../../domain/handshake-code";
import { ORGANIZATION_ID_PATTERN } from "../../domain/license";

/** A check whose message comes from a domain rule ("what is wrong, what to do"). */
const satisfies = (problem: (value: string) => string | null) =>
  v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const message = problem(dataset.value);
    if (message) addIssue({ message });
  });

/** One validation list: trimmed, de-duplicated (domains lower-cased), each value checked. */
const validationList = (kind: ValidationKind) =>
  v.optional(
    v.pipe(
      v.array(v.string()),
      v.transform((values) => normalizeValidationList(kind, values)),
      v.maxLength(VALIDATION_VALUES_MAX, `List at most ${VALIDATION_VALUES_MAX} values.`),
      v.rawCheck<string[]>(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const message = dataset.value.map((value) => validationValueProblem(kind, value)).find(Boolean);
        if (message) addIssue({ message });
      }),
    ),
    [],
  );

const code = v.pipe(v.string(), v.regex(HANDSHAKE_CODE_PATTERN, "There is no such handshake code."));
const name = v.optional(v.pipe(v.string(), v.trim(), v.maxLength(NAME_MAX, `Use at most ${NAME_MAX} characters.`)), "");
const itemRowIds = v.pipe(
  v.array(v.pipe(v.number("Choose the items from the list."), v.integer(), v.minValue(1))),
  v.minLength(1, "Choose at least one item: a code serves its clients from its items."),
);
const sessionPassword = v.optional(v.pipe(v.string(), satisfies((p) => (p === "" ? null : sessionPasswordProblem(p)))), "");

const settable = {
  name,
  itemRowIds,
  domains: validationList("domains"),
  appIds: validationList("appIds"),
  processNames: validationList("processNames"),
};

/**
 * A new code. The organization comes from `organizationId` when given (it must have licenses),
 * else from the items; every item must be that organization's. An empty name takes the suffix.
 */
export const CreateHandshakeCodeInput = v.object({
  organizationId: v.optional(v.pipe(v.string(), v.trim(), v.check((s) => s === "" || ORGANIZATION_ID_PATTERN.test(s), "An organization id is 1 to 32 letters or digits.")), ""),
  suffix: v.pipe(v.string(), v.trim(), v.regex(SUFFIX_PATTERN, "Use 1 to 64 letters, digits, '_' or '-'.")),
  sessionPassword,
  ...settable,
});
export type CreateHandshakeCodeInput = v.InferInput<typeof CreateHandshakeCodeInput>;

/** Everything but the code itself (suffix and organization are immutable). */
export const EditHandshakeCodeInput = v.object({
  code,
  /** keep the session password, set a new one (`sessionPassword`), or remove it. */
  sessionPasswordAction: v.optional(v.picklist(["keep", "set", "remove"], "Choose what to do with the session password."), "keep"),
  sessionPassword,
  ...settable,
});
export type EditHandshakeCodeInput = v.InferInput<typeof EditHandshakeCodeInput>;

export const HandshakeCodeRef = v.object({ code });
export type HandshakeCodeRef = v.InferInput<typeof HandshakeCodeRef>;

export const SetHandshakeCodeEnabledInput = v.object({ code, enabled: v.boolean() });
export type SetHandshakeCodeEnabledInput = v.InferInput<typeof SetHandshakeCodeEnabledInput>;

export const MoveHandshakeCodeItemInput = v.object({
  code,
  itemRowId: v.pipe(v.number(), v.integer(), v.minValue(1)),
  direction: v.picklist(["up", "down"]),
});
export type MoveHandshakeCodeItemInput = v.InferInput<typeof MoveHandshakeCodeItemInput>;
