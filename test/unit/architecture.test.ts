import { describe, expect, test } from "bun:test";
import { Glob } from "bun";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * STYLE.md, "What may import what": domain imports nothing outside itself; services never reach
 * http or templates; templates take domain types only; client/ and issuer/ never import the
 * server. A wrong-way import fails here.
 */
const ROOT = resolve(import.meta.dir, "../..");
const RULES: { layer: string; mayImport: (target: string) => boolean; why: string }[] = [
  { layer: "src/domain/", mayImport: (t) => t.startsWith("src/domain/"), why: "the domain is pure" },
  { layer: "src/services/", mayImport: (t) => /^src\/(domain|db|lib|mail|services)\//.test(t), why: "services use domain, db, lib and mail only" },
  { layer: "src/db/", mayImport: (t) => /^src\/(db|domain)\//.test(t), why: "storage knows the domain's types only" },
  { layer: "src/lib/", mayImport: (t) => t.startsWith("src/lib/") || t === "package.json", why: "lib is dependency-free" },
  { layer: "templates/", mayImport: (t) => t.startsWith("templates/") || t.startsWith("src/domain/"), why: "views take domain types only" },
  { layer: "src/client/", mayImport: (t) => t.startsWith("src/client/"), why: "the client library ships without the server" },
  {
    layer: "src/issuer/",
    mayImport: (t) => /^src\/(issuer|domain)\//.test(t) || /^src\/cli\/errors(\.ts)?$/.test(t),
    why: "lts-vendor ships without the server (it shares the domain and the CLI's error types)",
  },
];

function relativeImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [...source.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

describe("architecture", () => {
  const files = [...new Glob("{src,templates}/**/*.{ts,tsx}").scanSync(ROOT)];

  test("finds the source files it checks", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  for (const rule of RULES) {
    test(`${rule.layer}: ${rule.why}`, () => {
      const wrong = files
        .filter((f) => f.startsWith(rule.layer))
        .flatMap((f) => relativeImports(f).filter((t) => !rule.mayImport(t)).map((t) => `${f} → ${t}`));
      expect(wrong).toEqual([]);
    });
  }

  test("the domain uses no framework, database or Bun API", () => {
    const offenders = files.filter((f) => f.startsWith("src/domain/") && /from\s+["'](hono|drizzle-orm|bun:|bun["'])/.test(readFileSync(join(ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  test("htmx's headers are read and written in src/http/htmx.ts only", () => {
    const htmxHeader = /["'](hx-(request|redirect|retarget|reswap|location|refresh|push-url|replace-url|reselect|trigger[\w-]*|current-url|target|boosted))["']/i;
    const users = files.filter((f) => f.startsWith("src/") && htmxHeader.test(readFileSync(join(ROOT, f), "utf8")));
    expect(users).toEqual(["src/http/htmx.ts"]);
  });

  test("only main.ts reads the environment, and hands it to loadConfig", () => {
    const readsEnv = (f: string) =>
      readFileSync(join(ROOT, f), "utf8")
        .split("\n")
        .some((line) => /process\.env|Bun\.env/.test(line) && !/process\.env\.[A-Z_]+ = /.test(line));
    expect(files.filter(readsEnv)).toEqual(["src/main.ts"]);
  });

  test("import.meta.dir is used only where it names the source tree (a --bytecode build fixes it at build time)", () => {
    const users = files.filter((f) => f.startsWith("src/") && readFileSync(join(ROOT, f), "utf8").includes("import.meta.dir")).sort();
    // The macro runs at build time; static-assets reads the repository's static/ only when not compiled.
    expect(users).toEqual(["src/db/migrations.macro.ts", "src/lib/static-assets.ts"]);
  });
});
