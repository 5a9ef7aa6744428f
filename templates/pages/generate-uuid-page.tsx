import type { LabelAvailability, MachineLabel } from "../../src/domain/machine-uuid";
import { Field, Form, FormMessage, type FieldErrors } from "../components/form";
import { MachineUuidCard } from "../components/machine-uuid";
import { AppLayout } from "../layouts/app-layout";
import { GENERATE_UUID_FORM_ID } from "../targets";

export interface GenerateUuidFormProps {
  /** Every label, and whether this machine has a value for it (never the value itself). */
  options: LabelAvailability[];
  /** The labels ticked: the stored choice, or what was posted. */
  chosen: MachineLabel[];
  customIdFile?: string;
  errors?: FieldErrors;
  message?: string;
  done?: string;
}

export function GenerateUuidPage(props: GenerateUuidFormProps) {
  return (
    <AppLayout title="Generate UUID">
      <MachineUuidCard />
      <section aria-labelledby="labels-heading">
        <h2 id="labels-heading">Bind the UUID to this machine</h2>
        <p class="lead">
          The machine UUID is derived from the hardware labels you tick, read on this server. Your vendor activates your license files for it, and the
          server recomputes it at every start.
        </p>
        <ul class="explain">
          <li>More labels make a stricter binding: the licenses work on this machine only as long as every ticked label stays the same.</li>
          <li>
            If a ticked label changes (a replaced network card or motherboard, a recreated container), clients are refused (code 100) until it is back,
            or until your vendor re-activates your licenses for the new UUID and you import them.
          </li>
          <li>
            In a container or VM, hardware serials are often empty or change when it is recreated: use Machine ID (keep <code>/etc/machine-id</code>{" "}
            on a volume) or a custom ID file on a persistent volume.
          </li>
        </ul>
        <GenerateUuidForm {...props} />
      </section>
    </AppLayout>
  );
}

/** The label choice; htmx swaps it in place with its errors (and the confirmation when licenses would break). */
export function GenerateUuidForm(props: GenerateUuidFormProps) {
  const e = props.errors ?? {};
  return (
    <Form id={GENERATE_UUID_FORM_ID} action="/generate-uuid" label="Generate UUID">
      <FormMessage message={props.done} kind="ok" />
      {!e.confirm && <FormMessage message={props.message} />}
      <fieldset class={e.labels ? "checks field-invalid" : "checks"} aria-describedby={e.labels ? "field-labels-error" : undefined}>
        <legend>Hardware labels</legend>
        {props.options.map((o) => {
          // The custom ID file's availability depends on the path typed below, so it stays tickable.
          const disabled = !o.available && o.label !== "custom";
          const id = `label-${o.label}`;
          const reason = o.label === "custom" && !o.available && !props.customIdFile ? "Enter the file's full path below." : o.reason;
          return (
            <div class={disabled ? "check check-disabled" : "check"}>
              <input
                type="checkbox"
                id={id}
                name={id}
                value="on"
                checked={!disabled && props.chosen.includes(o.label)}
                disabled={disabled}
                aria-describedby={reason ? `${id}-reason` : undefined}
              />
              <label for={id}>{o.name}</label>
              {reason && (
                <span class="hint" id={`${id}-reason`}>
                  {disabled ? `Not available: ${reason}` : reason}
                </span>
              )}
            </div>
          );
        })}
        {e.labels && (
          <p class="field-error" id="field-labels-error">
            {e.labels}
          </p>
        )}
      </fieldset>
      <Field
        name="customIdFile"
        label="Custom ID file path"
        value={props.customIdFile}
        error={e.customIdFile}
        hint="Full path of a file on this server whose content (trimmed) identifies it, e.g. /var/lib/lts-id. Used when Custom ID file is ticked."
      />
      {e.confirm && (
        <div class="notice notice-error" role="alert">
          <p>{e.confirm}</p>
          <p class="check">
            <input type="checkbox" id="field-confirm" name="confirm" value="yes" />
            <label for="field-confirm">Yes, change the UUID</label>
          </p>
        </div>
      )}
      <button type="submit">Generate UUID</button>
    </Form>
  );
}
