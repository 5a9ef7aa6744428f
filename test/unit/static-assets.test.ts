import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadStaticAssets } from "../../src/lib/static-assets";

const STATIC = join(import.meta.dir, "../../static");

describe("static assets (hashed at build time, read on first request)", () => {
  test("every file of static/ is served with its SHA-256 as ETag and URL version", () => {
    const assets = loadStaticAssets();
    expect(assets.files.size).toBe(readdirSync(STATIC).length);
    for (const [name, file] of assets.files) {
      const hash = createHash("sha256").update(file.body).digest("hex").slice(0, 12);
      expect(file.etag, name).toBe(`"${hash}"`);
      expect(assets.urls[name], name).toBe(`/static/${name}?v=${hash}`);
    }
    expect(Object.keys(assets.urls)).toContain("htmx.min.js");
  });
});
