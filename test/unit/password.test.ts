import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { passwordProblem } from "../../src/domain/password-policy";
import { argon2Hasher, unpackNativeModule } from "../../src/lib/password-hasher";
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

describe("unpacking the embedded argon2 module", () => {
  const content = "the embedded native module, byte for byte";
  const embedded = () => new File([content], "argon2.linux-x64-gnu-abc123.node");

  test("writes the embedded copy into a 0700 directory it creates", async () => {
    const dir = join(tempDir("lts-native-"), "tmp");
    const path = await unpackNativeModule(dir, embedded());
    expect(path).toBe(join(dir, "argon2.linux-x64-gnu-abc123.node"));
    expect(readFileSync(path, "utf8")).toBe(content);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  test("replaces a tampered file of the same size, and tightens a looser directory to 0700", async () => {
    const dir = tempDir("lts-native-");
    chmodSync(dir, 0o755);
    const path = join(dir, "argon2.linux-x64-gnu-abc123.node");
    writeFileSync(path, "X".repeat(content.length));
    await unpackNativeModule(dir, embedded());
    expect(readFileSync(path, "utf8")).toBe(content);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  test("does not follow a symlink planted in its place, even to a file with the right content", async () => {
    const dir = tempDir("lts-native-");
    const elsewhere = join(tempDir("lts-elsewhere-"), "module.node");
    writeFileSync(elsewhere, content);
    const path = join(dir, "argon2.linux-x64-gnu-abc123.node");
    symlinkSync(elsewhere, path);
    await unpackNativeModule(dir, embedded());
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(path, "utf8")).toBe(content);

    const other = join(tempDir("lts-elsewhere-"), "victim");
    writeFileSync(other, "someone else's file");
    const linked = join(dir, "argon2.linux-x64-gnu-def456.node");
    symlinkSync(other, linked);
    await unpackNativeModule(dir, new File([content], "argon2.linux-x64-gnu-def456.node"));
    expect(lstatSync(linked).isFile()).toBe(true);
    expect(readFileSync(other, "utf8")).toBe("someone else's file");
  });

  test("refuses a directory that is a symlink, with what to do", async () => {
    const real = tempDir("lts-native-");
    const link = join(tempDir("lts-native-"), "tmp");
    symlinkSync(real, link);
    await expect(unpackNativeModule(link, embedded())).rejects.toThrow(/must be a directory, not a symlink or file: remove it/);
    expect(existsSync(join(real, "argon2.linux-x64-gnu-abc123.node"))).toBe(false);
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
