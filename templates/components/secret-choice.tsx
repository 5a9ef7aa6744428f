import type { Child } from "hono/jsx";

/**
 * A stored secret that is never shown back (the session password, the SMTP password): what is
 * stored, then keep / set to / remove. The form posts `${name}Action` and, for "set", `${name}`.
 */
export function SecretChoice(props: {
  /** The form field's name, e.g. "password"; the choice is posted as `${name}Action`. */
  name: string;
  label: string;
  /** What "Set." says about the stored secret, e.g. "It travels inside the license key." */
  storedNote: string;
  /** The id of the line that says whether one is stored. */
  stateId: string;
  /** The new secret's input, named for screen readers, e.g. "New SMTP password". */
  inputLabel: string;
  autocomplete: string;
  hasSecret: boolean;
  action: "keep" | "set" | "remove";
  error?: string;
  children?: Child;
}) {
  const action = `${props.name}Action`;
  return (
    <div class={props.error ? "field field-invalid" : "field"}>
      <span class="field-label">{props.label}</span>
      <p class="hint" id={props.stateId}>
        {props.hasSecret ? `Set. ${props.storedNote}` : "Not set."}
      </p>
      <label class="choice">
        <input type="radio" name={action} value="keep" checked={props.action === "keep"} /> {props.hasSecret ? "Keep it" : "Leave it unset"}
      </label>
      <label class="choice">
        <input type="radio" name={action} value="set" checked={props.action === "set"} /> {props.hasSecret ? "Change it to:" : "Set it to:"}
      </label>
      <input id={`field-${props.name}`} name={props.name} type="password" autocomplete={props.autocomplete} aria-label={props.inputLabel} aria-invalid={props.error ? "true" : undefined} />
      {props.hasSecret && (
        <label class="choice">
          <input type="radio" name={action} value="remove" checked={props.action === "remove"} /> Remove it
        </label>
      )}
      {props.error && <p class="field-error">{props.error}</p>}
      {props.children}
    </div>
  );
}
