import { describe, expect, test } from "bun:test";
import { readFileSync, statSync, existsSync } from "node:fs";
import { passwordProblem } from "../../src/domain/password-policy";
import { argon2Hasher } from "../../src/lib/password-hasher";
import { SetupToken } from "../../src/services/admin";
import { tempDir } from "../helpers/temp";

describe("password policy", () => {
  test("at least 12 characters, counted as characters, not bytes", () => {
    expect(passwordProblem("abcdefghijk")).toMatch(/at least 12/);
    expect(passwordProblem("tangerine-42")).toBeNull();
    expect(passwordProblem("ééééééééééé")).toMatch(/at least 12/); // 22 bytes, 11 characters
  });

  test("at most 256 bytes, with no truncation", () => {
    expect(passwordProblem("a".repeat(255) + "b")).toBeNull();
    expect(passwordProblem("a".repeat(256) + "b")).toMatch(/at most 256 bytes/);
  });

  test("refuses the most common passwords and one character repeated", () => {
    expect(passwordProblem("Password1234")).toMatch(/too common/);
    expect(passwordProblem("zzzzzzzzzzzzzzz")).toMatch(/too common/);
  });
});

describe("argon2id hasher", () => {
  const hasher = argon2Hasher(tempDir("lts-argon-"));

  test("hashes with argon2id at OWASP's minimum cost and verifies", async () => {
    const hash = await hasher.hash("correct horse battery staple");
    expect(hash).toStartWith("$argon2id$v=19$m=19456,t=2,p=1$");
    expect(await hasher.verify(hash, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(hash, "correct horse battery stapl")).toBe(false);
  });

  test("keeps every byte: no 72-byte truncation, no normalisation", async () => {
    const long = "x".repeat(200);
    const hash = await hasher.hash(long);
    expect(await hasher.verify(hash, "x".repeat(199) + "y")).toBe(false);
    const composed = await hasher.hash("caf\u00e9 au lait please");
    expect(await hasher.verify(composed, "cafe\u0301 au lait please")).toBe(false);
  });

  test("a malformed stored hash is a failed check, not a crash", async () => {
    expect(await hasher.verify("not-a-phc-string", "anything at all")).toBe(false);
  });
});

describe("setup token", () => {
  test("is 256 random bits in base64url, written alone to a 0600 file", () => {
    const dir = tempDir("lts-token-");
    const token = new SetupToken(dir);
    const value = token.issue();
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(token.path, "utf8")).toBe(value + "\n");
    expect(statSync(token.path).mode & 0o777).toBe(0o600);
    expect(new SetupToken(dir).issue()).not.toBe(value);
  });

  test("matches only itself, and nothing once consumed (the file goes too)", () => {
    const token = new SetupToken(tempDir("lts-token-"));
    const value = token.issue();
    expect(token.matches(value)).toBe(true);
    expect(token.matches(value.slice(0, -1))).toBe(false);
    expect(token.matches("")).toBe(false);
    token.consume();
    expect(token.matches(value)).toBe(false);
    expect(existsSync(token.path)).toBe(false);
  });
});
