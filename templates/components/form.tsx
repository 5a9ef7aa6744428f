import type { Child } from "hono/jsx";
import { useUrl, useView } from "../view-context";

export type FieldErrors = Record<string, string>;

/**
 * A form that htmx posts and swaps by its own id (outerHTML); without JavaScript it still posts
 * normally, carrying the CSRF token.
 */
export function Form(props: { id: string; action: string; children: Child; label?: string }) {
  const url = useUrl();
  const { csrfToken } = useView();
  return (
    <form id={props.id} method="post" action={url(props.action)} hx-post={url(props.action)} hx-target={`#${props.id}`} hx-swap="outerHTML" hx-disabled-elt="find button" aria-label={props.label} novalidate>
      <input type="hidden" name="_csrf" value={csrfToken} />
      {props.children}
    </form>
  );
}

/**
 * Password managers look for a user name beside a password; the portal has one user, "admin".
 * Hidden, and ignored by the server.
 */
export function AdminUsername() {
  return <input type="text" name="username" value="admin" autocomplete="username" hidden readonly />;
}

export function FormMessage(props: { message?: string; kind?: "error" | "ok" }) {
  if (!props.message) return null;
  return (
    <p class={`notice notice-${props.kind ?? "error"}`} role={props.kind === "ok" ? "status" : "alert"}>
      {props.message}
    </p>
  );
}

/**
 * A labelled input (a textarea for "multiline") with its hint and error below. Passwords are
 * never given a value back.
 */
export function Field(props: {
  name: string;
  label: string;
  type?: "text" | "password" | "multiline";
  value?: string;
  error?: string;
  hint?: string;
  autocomplete?: string;
  autofocus?: boolean;
}) {
  const id = `field-${props.name}`;
  const describedBy = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <div class={props.error ? "field field-invalid" : "field"}>
      <label for={id}>{props.label}</label>
      {props.type === "multiline" ? (
        <textarea id={id} name={props.name} rows={2} spellcheck={false} aria-invalid={props.error ? "true" : undefined} aria-describedby={describedBy}>
          {props.value}
        </textarea>
      ) : (
        <input
          id={id}
          name={props.name}
          type={props.type ?? "text"}
          value={props.type === "password" ? undefined : props.value}
          autocomplete={props.autocomplete}
          autofocus={props.autofocus}
          aria-invalid={props.error ? "true" : undefined}
          aria-describedby={describedBy}
          spellcheck={false}
        />
      )}
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}
