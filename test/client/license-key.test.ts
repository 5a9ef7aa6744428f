import { describe, expect, test } from "bun:test";
import { LicenseKeyError, parseLicenseKey } from "../../src/client";
import { licenseKeyString } from "./fake-server";

const PK = Buffer.alloc(32, 7).toString("base64url");
const PK2 = Buffer.alloc(32, 9).toString("base64url");
const FULL = { hc: "100200-appA", org: "100200", main: "https://lts.example.com/", standby: "https://lts2.example.com/lts/", sp: "s3cret", pk: [PK, PK2] };

function refused(fields: unknown, message: RegExp): void {
  const key = typeof fields === "string" ? fields : licenseKeyString(fields as Record<string, unknown>);
  expect(() => parseLicenseKey(key)).toThrow(LicenseKeyError);
  expect(() => parseLicenseKey(key)).toThrow(message);
}

describe("parseLicenseKey", () => {
  test("reads every field of a full key", () => {
    expect(parseLicenseKey(licenseKeyString(FULL))).toEqual(FULL);
  });

  test("reads a key with main only, no session password, one pinned key", () => {
    const key = { hc: "100200-appA", org: "100200", main: "http://192.168.1.5:48080/", pk: [PK] };
    expect(parseLicenseKey(licenseKeyString(key))).toEqual(key);
  });

  test("ignores whitespace around a pasted key", () => {
    expect(parseLicenseKey(`  ${licenseKeyString(FULL)}\n`).hc).toBe("100200-appA");
  });

  test("refuses a string that is not an LTS1 key", () => {
    refused("LTS2abc", /starts with "LTS1"/);
    refused("", /starts with "LTS1"/);
  });

  test("refuses a damaged body", () => {
    refused("LTS1!!!!", /not base64url/);
    refused("LTS1" + Buffer.from("{").toString("base64url"), /not JSON/);
    refused("LTS1" + Buffer.from("[1]").toString("base64url"), /not a JSON object/);
    refused("LTS1", /not base64url/);
  });

  test("refuses non-canonical base64url (padding, stray bits)", () => {
    const good = licenseKeyString(FULL);
    refused(good + "=", /not base64url/);
  });

  test("refuses unknown fields: a key for a newer version", () => {
    refused({ ...FULL, v: 2 }, /fields this library does not know \(v\)/);
  });

  test("refuses a missing or malformed organization id or handshake code", () => {
    const { org: _org, ...noOrg } = FULL;
    refused(noOrg, /organization id/);
    refused({ ...FULL, org: "100-200" }, /organization id/);
    const { hc: _hc, ...noCode } = FULL;
    refused(noCode, /handshake code/);
    refused({ ...FULL, hc: "999-appA" }, /must be "100200-"/);
    refused({ ...FULL, hc: "100200-" }, /handshake code/);
    refused({ ...FULL, hc: "100200-a b" }, /handshake code/);
  });

  test("refuses server URLs that are missing, not http(s), lack the final slash or carry a query", () => {
    const { main: _main, ...noMain } = FULL;
    refused(noMain, /main server URL \("main"\) is missing/);
    refused({ ...FULL, main: "lts.example.com/" }, /not a URL/);
    refused({ ...FULL, main: "ftp://lts.example.com/" }, /http:\/\/ or https:\/\//);
    refused({ ...FULL, main: "https://lts.example.com/lts" }, /must end with "\/"/);
    refused({ ...FULL, standby: "https://lts.example.com" }, /standby server URL must end with "\/"/);
    refused({ ...FULL, main: "https://lts.example.com/?x=1" }, /query/);
    refused({ ...FULL, main: "https://user:pw@lts.example.com/" }, /credentials/);
  });

  test("refuses pinned keys that are missing, too many, or not 32 bytes of base64url", () => {
    refused({ ...FULL, pk: [] }, /one or two server public keys/);
    refused({ ...FULL, pk: PK }, /one or two server public keys/);
    refused({ ...FULL, pk: [PK, PK2, PK] }, /one or two server public keys/);
    refused({ ...FULL, pk: [Buffer.alloc(31).toString("base64url")] }, /public key #1/);
    refused({ ...FULL, pk: [PK, Buffer.alloc(32).toString("base64")] }, /public key #2/);
    refused({ ...FULL, pk: [PK.slice(0, -1) + "B"] }, /public key #1/);
  });

  test("refuses an empty session password", () => {
    refused({ ...FULL, sp: "" }, /session password/);
    refused({ ...FULL, sp: 5 }, /session password/);
  });
});
