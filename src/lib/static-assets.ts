import { readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { isCompiledBinary } from "./runtime";
import { createHash } from "node:crypto";

export interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

/** The files of static/ in memory, and their URLs with a content hash for year-long caching. */
export interface StaticAssets {
  files: Map<string, StaticFile>;
  /** "app.css" → "/static/app.css?v=1a2b3c4d" (without the base path). */
  urls: Record<string, string>;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/**
 * static/ is embedded into the compiled binary (`--asset=static`, beside the entry point under
 * /$bunfs/root/static); from source it is the repository's folder. htmx is stored under its
 * pinned version's name and served as "htmx.min.js".
 */
export function staticDir(): string {
  return isCompiledBinary() ? join(dirname(Bun.main), "static") : join(import.meta.dir, "../../static");
}

export function loadStaticAssets(dir = staticDir()): StaticAssets {
  const files = new Map<string, StaticFile>();
  const urls: Record<string, string> = {};
  for (const entry of readdirSync(dir)) {
    const type = TYPES[extname(entry)];
    if (!type) continue;
    const body = new Uint8Array(readFileSync(join(dir, entry)));
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    const name = entry.replace(/^htmx-[\d.]+\.min\.js$/, "htmx.min.js");
    files.set(name, { body, type, etag: `"${hash}"` });
    urls[name] = `/static/${name}?v=${hash}`;
  }
  return { files, urls };
}
