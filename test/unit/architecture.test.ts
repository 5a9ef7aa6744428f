import { describe, expect, test } from "bun:test";
import { Glob } from "bun";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * STYLE.md, "What may import what": domain imports nothing outside itself; services never reach
 * http or templates; jobs drive services and mail; mail knows lib and the domain only; templates
 * take domain types only; client/ and issuer/ never import the server. A wrong-way import fails here.
 */
const ROOT = resolve(import.meta.dir, "../..");
const RULES: { layer: string; mayImport: (target: string) => boolean; why: string }[] = [
  { layer: "src/domain/", mayImport: (t) => t.startsWith("src/domain/"), why: "the domain is pure" },
  { layer: "src/services/", mayImport: (t) => /^src\/(domain|db|lib|mail|services)\//.test(t), why: "services use domain, db, lib and mail only" },
  { layer: "src/db/", mayImport: (t) => /^src\/(db|domain|lib)\//.test(t), why: "storage knows the domain's types and lib only" },
  { layer: "src/jobs/", mayImport: (t) => /^src\/(jobs|services|mail|domain|lib|db)\//.test(t), why: "jobs run services and send mail" },
  { layer: "src/mail/", mayImport: (t) => /^src\/(mail|lib|domain)\//.test(t), why: "the mail port knows lib and the domain only" },
  { layer: "src/lib/", mayImport: (t) => t.startsWith("src/lib/") || t === "package.json", why: "lib is dependency-free" },
  { layer: "templates/", mayImport: (t) => t.startsWith("templates/") || t.startsWith("src/domain/"), why: "views take domain types only (no jobs, no mail)" },
  { layer: "src/client/", mayImport: (t) => t.startsWith("src/client/"), why: "the client library ships without the server" },
  {
    layer: "src/issuer/",
    mayImport: (t) => /^src\/(issuer|domain)\//.test(t) || /^src\/cli\/errors(\.ts)?$/.test(t),
    why: "lts-vendor ships without the server (it shares the domain and the CLI's error types)",
  },
];

/**
 * Every module a source text names: `import … from`, `export … from` (`export *` too), side-effect
 * imports (`import "./x";`, no `from`) and dynamic `import("./x")`.
 */
function importSpecifiers(source: string): string[] {
  const pattern = /\b(?:import|export)\s*(?:[^'";]*?\bfrom\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
  return [...source.matchAll(pattern)].map((m) => m[1] ?? m[2]!);
}

function relativeImports(file: string): string[] {
  const specifiers = importSpecifiers(readFileSync(join(ROOT, file), "utf8"));
  return specifiers.filter((s) => s.startsWith(".")).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

describe("architecture", () => {
  const files = [...new Glob("{src,templates}/**/*.{ts,tsx}").scanSync(ROOT)];

  test("finds the source files it checks", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  test("sees every form of import, side-effect imports and re-exports included", () => {
    const source = [
      `import "../db/client";`,
      `import type { A } from "./a";`,
      `import {\n  b,\n  c,\n} from './b';`,
      `export * from "./c";`,
      `export { d } from "./d";`,
      `import './e'`,
      `export const notAnImport = "./f";`,
      `const g = await import("./g");`,
    ].join("\n");
    expect(importSpecifiers(source)).toEqual(["../db/client", "./a", "./b", "./c", "./d", "./e", "./g"]);
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
    const offenders = files.filter((f) => f.startsWith("src/domain/") && importSpecifiers(readFileSync(join(ROOT, f), "utf8")).some((s) => /^(hono|drizzle-orm|bun:|bun$)/.test(s)));
    expect(offenders).toEqual([]);
  });

  test("htmx's headers are read and written in src/http/htmx.ts only", () => {
    const htmxHeader = /["'](hx-(request|redirect|retarget|reswap|location|refresh|push-url|replace-url|reselect|trigger[\w-]*|current-url|target|boosted))["']/i;
    const users = files.filter((f) => f.startsWith("src/") && htmxHeader.test(readFileSync(join(ROOT, f), "utf8")));
    expect(users).toEqual(["src/http/htmx.ts"]);
  });

  test("nodemailer is loaded lazily, on the first send (STYLE.md, Hot paths)", () => {
    const eager = files.filter((f) => /^\s*(?:import|export)\s+(?!type\b)[^;]*?["']nodemailer["']/m.test(readFileSync(join(ROOT, f), "utf8")));
    expect(eager).toEqual([]);
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
    // The macros run at build time; static-assets reads the repository's static/ only when not compiled.
    expect(users).toEqual(["src/db/migrations.macro.ts", "src/lib/static-assets.ts", "src/lib/static-hashes.macro.ts"]);
  });
});
