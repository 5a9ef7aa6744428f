import type { Child } from "hono/jsx";
import { useUrl, useView } from "../view-context";

/**
 * One button that posts to `action`: htmx swaps `target` (outerHTML) with the answer; without
 * JavaScript it is a plain form post carrying the CSRF token. `confirm` asks first (htmx's
 * hx-confirm, a browser dialog: no inline script).
 */
export function PostButton(props: {
  action: string;
  target: string;
  label: string;
  children: Child;
  class?: string;
  confirm?: string;
  disabled?: boolean;
  /** For an on/off switch: role="switch" with aria-checked. */
  checked?: boolean;
}) {
  const url = useUrl();
  const { csrfToken } = useView();
  return (
    <form class="inline-form" method="post" action={url(props.action)} hx-post={url(props.action)} hx-target={props.target} hx-swap="outerHTML" hx-confirm={props.confirm}>
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button
        type="submit"
        class={props.class ?? "button-icon"}
        aria-label={props.label}
        title={props.label}
        disabled={props.disabled}
        role={props.checked === undefined ? undefined : "switch"}
        aria-checked={props.checked === undefined ? undefined : props.checked ? "true" : "false"}
      >
        {props.children}
      </button>
    </form>
  );
}
