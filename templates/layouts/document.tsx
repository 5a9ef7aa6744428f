import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { useView } from "../view-context";

/**
 * htmx 2 settings, read from this meta tag (the CSP allows no inline script):
 * - responseHandling swaps every answer except 204, so a 422 form with its errors, or a 429,
 *   replaces the form; error pages for htmx requests are retargeted to the flash region.
 * - no indicator <style> injection (the CSP allows no inline style; app.css has those rules),
 *   no eval, requests only to this server.
 */
export const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  responseHandling: [
    { code: "204", swap: false },
    { code: "...", swap: true },
  ],
});

export function Document(props: { title: string; bodyClass?: string; children: Child }) {
  const { assets } = useView();
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title>{`${props.title} · LTS`}</title>
          <link rel="icon" href={assets["favicon.svg"]} type="image/svg+xml" />
          <link rel="stylesheet" href={assets["app.css"]} />
          <script src={assets["htmx.min.js"]} defer></script>
          <script src={assets["app.js"]} defer></script>
        </head>
        <body class={props.bodyClass}>{props.children}</body>
      </html>
    </>
  );
}
