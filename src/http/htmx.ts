import type { Context } from "hono";

// htmx's own headers are read and written here only (STYLE.md habit 9); the rest of the portal
// asks these helpers. htmx 2 does not swap 4xx/5xx answers by default, so an error for an htmx
// request is retargeted into the flash area (see errors.tsx).

/** A request htmx made: it sends `HX-Request: true`, which a cross-site form cannot set. */
export function isHtmx(c: Context): boolean {
  return c.req.header("hx-request") === "true";
}

/**
 * htmx restoring a pushed URL (back button; our history cache is off) asks with HX-Request too,
 * but swaps the answer into the whole body: it needs the page, not the fragment.
 */
export function isHistoryRestore(c: Context): boolean {
  return c.req.header("hx-history-restore-request") === "true";
}

/** The same URL answers a page or a fragment depending on HX-Request, so caches must key on it. */
export function varyOnHtmx(c: Context): void {
  c.header("Vary", "HX-Request, HX-History-Restore-Request");
}

/** Makes htmx load `location` as a whole new page instead of swapping this answer. */
export function hxRedirect(c: Context, location: string): Response {
  c.header("HX-Redirect", location);
  return c.body(null, 200);
}

/** Makes htmx swap this answer into `selector` (with `swap`) instead of the element that asked. */
export function hxRetarget(c: Context, selector: string, swap: "innerHTML" | "outerHTML"): void {
  c.header("HX-Retarget", selector);
  c.header("HX-Reswap", swap);
}
