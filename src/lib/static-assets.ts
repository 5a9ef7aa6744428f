import { readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { isCompiledBinary } from "./runtime";
import { staticFileHashes } from "./static-hashes.macro" with { type: "macro" };

export interface StaticFile {
  readonly body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

const HASHES: Record<string, string> = staticFileHashes();

/** The files of static/, and their URLs with a content hash for year-long caching. */
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

/**
 * The assets, named and hashed at build time (static-hashes.macro.ts); a file's bytes are read on
 * its first request, so a start reads none of them.
 */
export function loadStaticAssets(): StaticAssets {
  const dir = staticDir();
  const files = new Map<string, StaticFile>();
  const urls: Record<string, string> = {};
  for (const [entry, hash] of Object.entries(HASHES)) {
    const type = TYPES[extname(entry)];
    if (!type) continue;
    const name = entry.replace(/^htmx-[\d.]+\.min\.js$/, "htmx.min.js");
    let body: Uint8Array<ArrayBuffer> | undefined;
    files.set(name, {
      get body() {
        return (body ??= new Uint8Array(readFileSync(join(dir, entry))));
      },
      type,
      etag: `"${hash}"`,
    });
    urls[name] = `/static/${name}?v=${hash}`;
  }
  return { files, urls };
}
