import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { DEMO_ISSUER } from "../../src/domain/demo-issuer";
import { generateIssuerKeyPair, issuerPublicKeyFromPem, issuerSignerFromPem, keyId, rawPublicKey, verifySignature, type IssuerSigner } from "../../src/domain/issuer-key";
import type { LicensePayload } from "../../src/domain/license";
import { encodeLicenseFile, LICENSE_FILE_BEGIN, LICENSE_FILE_END, LicenseFileError, openLicenseFile, readLicenseEnvelope, type LicenseFileErrorReason } from "../../src/domain/license-file";
import { DEMO_ISSUER_PRIVATE_KEY_PEM } from "../../src/issuer/demo-issuer-key";
import { licenseItem } from "../helpers/licenses";

const demo = issuerSignerFromPem(DEMO_ISSUER_PRIVATE_KEY_PEM, true);
const other = issuerSignerFromPem(generateIssuerKeyPair().privateKeyPem);
const UUID = "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0";

function payload(overrides: Partial<LicensePayload> = {}): LicensePayload {
  return {
    licenseId: "2001",
    alias: "Acme",
    organizationId: "100200",
    licensee: "Acme Corp",
    status: "activated",
    boundUuids: [UUID],
    issuedAt: "2026-01-01T00:00:00.000Z",
    activatedAt: "2026-01-02T00:00:00.000Z",
    items: [licenseItem()],
    ...overrides,
  };
}

/** The reason openLicenseFile gives for refusing `input` (fails the test if it accepts it). */
function refusal(input: string | Uint8Array, trusted = [DEMO_ISSUER]): LicenseFileError {
  try {
    openLicenseFile(input, trusted);
  } catch (err) {
    if (err instanceof LicenseFileError) return err;
    throw err;
  }
  throw new Error("the file was accepted");
}

const reasonOf = (input: string | Uint8Array, trusted = [DEMO_ISSUER]): LicenseFileErrorReason => refusal(input, trusted).reason;

/** Armors any envelope JSON text the way encodeLicenseFile does (base64, lines of `width`). */
function armorJson(json: string, width = 64): string {
  const body = Buffer.from(json, "utf8").toString("base64");
  return [LICENSE_FILE_BEGIN, ...(body.match(new RegExp(`.{1,${width}}`, "g")) ?? []), LICENSE_FILE_END, ""].join("\n");
}

/** A file around raw payload bytes, signed by `signer` and claiming `kid`: to test what the schema sees. */
function signRaw(payloadBytes: Uint8Array, signer: IssuerSigner = demo, envelope: Record<string, unknown> = {}): string {
  const text = Buffer.from(payloadBytes).toString("base64url");
  const sig = Buffer.from(signer.sign(new TextEncoder().encode("lts-license/" + text))).toString("base64url");
  return armorJson(JSON.stringify({ v: 1, alg: "Ed25519", kid: signer.kid, payload: text, sig, ...envelope }));
}

/** Armors envelope JSON as base64url (the lenient form a careless encoder might write). */
function armorUrl(json: string): string {
  const body = Buffer.from(json, "utf8").toString("base64url");
  return [LICENSE_FILE_BEGIN, ...(body.match(/.{1,64}/g) ?? []), LICENSE_FILE_END, ""].join("\n");
}

const envelopeJson = (file: string) => Buffer.from(file.split("\n").slice(1, -2).join(""), "base64").toString("utf8");
const bodyOf = (file: string) => file.split("\n").slice(1, -2).join("");
/** A valid file whose base64 body fits `wanted`, found by varying the alias. */
function fileWhose(wanted: (body: string) => boolean): string {
  for (let n = 1; n <= 128; n++) {
    const file = encodeLicenseFile(payload({ alias: "A".repeat(n) }), demo);
    if (wanted(bodyOf(file))) return file;
  }
  throw new Error("no such file found");
}

describe("license file: round trip", () => {
  test("a signed file opens to the same payload, naming its issuer", () => {
    const file = encodeLicenseFile(payload(), demo);
    const opened = openLicenseFile(file, [DEMO_ISSUER]);
    expect(opened.payload).toEqual(payload());
    expect(opened.kid).toBe(DEMO_ISSUER.kid);
    expect(opened.issuer).toEqual(DEMO_ISSUER);
    expect(JSON.parse(envelopeJson(file)).payload).toBe(opened.payloadText);
    expect(JSON.parse(Buffer.from(opened.payloadText, "base64url").toString("utf8"))).toEqual(payload());
  });

  test("has the exact armor and envelope of PROTOCOL.md", () => {
    const file = encodeLicenseFile(payload(), demo);
    const lines = file.split("\n");
    expect(lines[0]).toBe("-----BEGIN LTS LICENSE FILE-----");
    expect(lines.at(-2)).toBe("-----END LTS LICENSE FILE-----");
    expect(lines.at(-1)).toBe("");
    const body = lines.slice(1, -2);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(64);
    const envelope = JSON.parse(envelopeJson(file));
    expect(Object.keys(envelope)).toEqual(["v", "alg", "kid", "payload", "sig"]);
    expect(envelope).toMatchObject({ v: 1, alg: "Ed25519", kid: DEMO_ISSUER.kid });
    expect(Buffer.from(envelope.sig, "base64url")).toHaveLength(64);
  });

  test("opens from bytes as from text, and a new license (no UUIDs, no activatedAt)", () => {
    const file = encodeLicenseFile(payload({ status: "new", boundUuids: [], activatedAt: null }), demo);
    expect(openLicenseFile(new TextEncoder().encode(file), [DEMO_ISSUER]).payload.status).toBe("new");
  });

  test("the signature covers 'lts-license/' + the payload text, and nothing else verifies", () => {
    const file = encodeLicenseFile(payload(), demo);
    const { payload: text, sig } = JSON.parse(envelopeJson(file));
    const signature = Buffer.from(sig, "base64url");
    expect(verifySignature(DEMO_ISSUER, new TextEncoder().encode("lts-license/" + text), signature)).toBe(true);
    expect(verifySignature(DEMO_ISSUER, new TextEncoder().encode(text), signature)).toBe(false);
    expect(verifySignature(DEMO_ISSUER, new TextEncoder().encode("lts-license/" + text), Buffer.from(demo.sign(new TextEncoder().encode(text))))).toBe(false);
  });

  test("refuses to sign an invalid payload", () => {
    expect(() => encodeLicenseFile(payload({ items: [] }), demo)).toThrow(/items: must list at least one item/);
  });
});

describe("license file: tampering", () => {
  test("flipping any single bit of a file makes it refused (every byte × 8 bits)", () => {
    const bytes = new TextEncoder().encode(encodeLicenseFile(payload(), demo));
    let accepted = 0;
    let tried = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = bytes.slice();
        copy[i]! ^= 1 << bit;
        tried++;
        try {
          openLicenseFile(copy, [DEMO_ISSUER]);
          accepted++;
        } catch (err) {
          if (!(err instanceof LicenseFileError)) throw err;
        }
      }
    }
    expect(tried).toBe(bytes.length * 8);
    expect(accepted).toBe(0);
  });

  test("a changed payload with the old signature: 'signature', saying the file was changed", () => {
    const file = encodeLicenseFile(payload(), demo);
    const envelope = JSON.parse(envelopeJson(file));
    const forged = Buffer.from(JSON.stringify(payload({ items: [{ ...payload().items[0]!, quantity: 1_000_000 }] }))).toString("base64url");
    const err = refusal(armorJson(JSON.stringify({ ...envelope, payload: forged })));
    expect(err.reason).toBe("signature");
    expect(err.message).toStartWith("The file was changed after it was signed");
  });

  test("signed by another key that claims a trusted kid: 'signature'", () => {
    const file = signRaw(new TextEncoder().encode(JSON.stringify(payload())), other, { kid: DEMO_ISSUER.kid });
    expect(reasonOf(file)).toBe("signature");
  });

  test("signed by a key this server does not trust: 'unknown-key', naming the kid and what to do", () => {
    const err = refusal(encodeLicenseFile(payload(), other));
    expect(err.reason).toBe("unknown-key");
    expect(err.message).toBe(
      `This file was signed by issuer key ${other.kid}, which this server does not trust. Ask your vendor for a file signed with their key, or a build of lts that trusts it.`,
    );
    expect(openLicenseFile(encodeLicenseFile(payload(), other), [DEMO_ISSUER, other.publicKey]).issuer.demo).toBe(false);
  });

  test("a demo-signed file where the demo issuer is not trusted says so", () => {
    const err = refusal(encodeLicenseFile(payload(), demo), [other.publicKey]);
    expect(err.reason).toBe("unknown-key");
    expect(err.message).toContain("demo issuer");
  });
});

describe("license file: armor", () => {
  const file = encodeLicenseFile(payload(), demo);

  test("LF or CRLF line ends, with one line end or none after the END line", () => {
    const crlf = file.replaceAll("\n", "\r\n");
    for (const text of [file, file.slice(0, -1), crlf, crlf.slice(0, -2)]) expect(openLicenseFile(text, [DEMO_ISSUER]).payload.licenseId).toBe("2001");
  });

  test("anything after the END line but one line end is refused", () => {
    for (const tail of ["\n", " ", "x", "\n\n", "\r\n", "\u0000"]) expect(reasonOf(file + tail)).toBe("armor");
    expect(reasonOf(file.replaceAll("\n", "\r\n") + "\r\n")).toBe("armor");
    expect(["armor", "encoding"]).toContain(reasonOf(file + "\n-----END LTS LICENSE FILE-----\n"));
  });

  test("a missing, garbled or decorated armor line is refused", () => {
    const cases = [
      file.replace(LICENSE_FILE_BEGIN + "\n", ""),
      file.replace(LICENSE_FILE_END + "\n", ""),
      file.replace("BEGIN LTS LICENSE FILE", "BEGIN LTS LICENSE"),
      file.replace("END LTS LICENSE FILE", "END LTS LICENSE"),
      file.replace("-----BEGIN", "----BEGIN"),
      file.toLowerCase(),
      " " + file,
      "\uFEFF" + file,
      "\n" + file,
      file.replace(LICENSE_FILE_BEGIN, LICENSE_FILE_BEGIN + " "),
      file.replace(LICENSE_FILE_END, " " + LICENSE_FILE_END),
      `${LICENSE_FILE_BEGIN}\n${LICENSE_FILE_END}\n`,
      "",
    ];
    for (const text of cases) expect(reasonOf(text)).toBe("armor");
  });

  test("the armor message says what a license file is and what to do", () => {
    expect(refusal("hello").message).toBe(
      "This is not an LTS license file: it does not start with the BEGIN line. A license file starts with the line -----BEGIN LTS LICENSE FILE----- and ends with -----END LTS LICENSE FILE-----, with nothing before or after. Choose the file your vendor sent, unchanged.",
    );
  });

  test("mixed line ends are refused", () => {
    const lines = file.split("\n");
    expect(["armor", "encoding"]).toContain(reasonOf(lines.slice(0, 2).join("\r\n") + "\n" + lines.slice(2).join("\n")));
    expect(["armor", "encoding"]).toContain(reasonOf(file.replace("\n", "\r\n")));
    const crlfLines = file.split("\n");
    const oneLf = [crlfLines.slice(0, 3).join("\r\n"), crlfLines.slice(3).join("\r\n")].join("\n");
    expect(reasonOf(oneLf)).toBe("encoding");
  });
});

describe("license file: no lenient decoding", () => {
  test("base64 without its padding is refused", () => {
    const padded = fileWhose((body) => body.endsWith("="));
    expect(reasonOf(padded.replace(/=+\n-----END/, "\n-----END"))).toBe("encoding");
  });

  test("base64 whose unused bits are set (not canonical) is refused", () => {
    const padded = fileWhose((body) => body.endsWith("=="));
    const body = bodyOf(padded);
    const last = body.at(-3)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    const changed = padded.replace(new RegExp(`${last.replace(/[+/]/, "\\$&")}==\\n-----END`), `${sibling}==\n-----END`);
    expect(Buffer.from(bodyOf(changed), "base64")).toEqual(Buffer.from(body, "base64"));
    expect(reasonOf(changed)).toBe("encoding");
  });

  test("whitespace inside the body is refused", () => {
    const file = encodeLicenseFile(payload(), demo);
    const lines = file.split("\n");
    expect(reasonOf([lines[0], lines[1]!.slice(0, 10) + " " + lines[1]!.slice(10), ...lines.slice(2)].join("\n"))).toBe("encoding");
    expect(reasonOf([lines[0], " " + lines[1], ...lines.slice(2)].join("\n"))).toBe("encoding");
    expect(reasonOf([lines[0], lines[1] + "\t", ...lines.slice(2)].join("\n"))).toBe("encoding");
    expect(reasonOf([lines[0], lines[1], "", ...lines.slice(2)].join("\n"))).toBe("encoding");
  });

  test("lines of another width are refused", () => {
    const json = envelopeJson(encodeLicenseFile(payload(), demo));
    expect(openLicenseFile(armorJson(json, 64), [DEMO_ISSUER]).payload.licenseId).toBe("2001");
    for (const width of [76, 63, 65, 10_000]) expect(reasonOf(armorJson(json, width))).toBe("encoding");
  });

  test("a body in base64url (no padding, - and _) is refused", () => {
    const padded = fileWhose((body) => body.endsWith("="));
    expect(reasonOf(armorUrl(envelopeJson(padded)))).toBe("encoding");
    // An ASCII envelope never yields + or / in base64; a non-ASCII one can, and its base64url
    // form (with - or _) must be refused before its JSON is even read.
    const envelope = JSON.parse(envelopeJson(padded));
    const json = [..."äöüß€ÿ"].map((c) => JSON.stringify({ ...envelope, note: c.repeat(3) })).find((j) => /[+/]/.test(Buffer.from(j).toString("base64")))!;
    expect(reasonOf(armorJson(json))).toBe("envelope");
    expect(reasonOf(armorUrl(json))).toBe("encoding");
  });

  test("payload or sig not in canonical base64url is refused", () => {
    const envelope = JSON.parse(envelopeJson(encodeLicenseFile(payload(), demo)));
    const variants = [
      { ...envelope, payload: envelope.payload + "=" },
      { ...envelope, payload: Buffer.from(envelope.payload, "base64url").toString("base64") + "!" },
      { ...envelope, sig: envelope.sig + "==" },
      { ...envelope, sig: envelope.sig.replaceAll("-", "+").replaceAll("_", "/") + (envelope.sig.match(/[-_]/) ? "" : "+") },
      { ...envelope, payload: envelope.payload.slice(0, 10) + " " + envelope.payload.slice(10) },
    ];
    for (const variant of variants) expect(["encoding", "envelope"]).toContain(reasonOf(armorJson(JSON.stringify(variant))));
  });

  test("bytes that are not UTF-8 are refused", () => {
    const bytes = new TextEncoder().encode(encodeLicenseFile(payload(), demo));
    const withBad = new Uint8Array([...bytes.slice(0, 40), 0xff, 0xfe, ...bytes.slice(40)]);
    expect(reasonOf(withBad)).toBe("encoding");
    const latin1Envelope = Buffer.concat([Buffer.from('{"v":1,"alg":"Ed25519","kid":"'), Buffer.from([0xe9]), Buffer.from('"}')]).toString("base64");
    expect(reasonOf(`${LICENSE_FILE_BEGIN}\n${latin1Envelope}\n${LICENSE_FILE_END}\n`)).toBe("encoding");
  });
});

describe("license file: envelope", () => {
  const envelope = JSON.parse(envelopeJson(encodeLicenseFile(payload(), demo)));
  const armored = (value: unknown) => armorJson(JSON.stringify(value));

  test("an algorithm other than Ed25519 is refused as 'algorithm'", () => {
    for (const alg of ["ed25519", "EdDSA", "none", "HS256", "Ed448", "", null]) expect(reasonOf(armored({ ...envelope, alg }))).toBe("algorithm");
  });

  test("an unknown or missing field, another version, a duplicate key or a short signature is refused", () => {
    expect(reasonOf(armored({ ...envelope, typ: "license" }))).toBe("envelope");
    expect(refusal(armored({ ...envelope, typ: "license" })).message).toContain('unknown field "typ"');
    const { kid: _kid, ...withoutKid } = envelope;
    expect(reasonOf(armored(withoutKid))).toBe("envelope");
    expect(reasonOf(armored({ ...envelope, v: 2 }))).toBe("envelope");
    expect(reasonOf(armored({ ...envelope, v: "1" }))).toBe("envelope");
    expect(reasonOf(armored({ ...envelope, kid: "iss-2026-01" }))).toBe("envelope");
    expect(reasonOf(armored({ ...envelope, sig: envelope.sig.slice(0, 84) }))).toBe("envelope");
    expect(reasonOf(armored([envelope]))).toBe("envelope");
    expect(reasonOf(armorJson("not json"))).toBe("envelope");
    const duplicated = JSON.stringify(envelope).replace('"v":1,', '"v":1,"kid":"0000000000000000",');
    expect(reasonOf(armorJson(duplicated))).toBe("envelope");
  });
});

describe("license file: payload", () => {
  const signJson = (value: unknown) => signRaw(new TextEncoder().encode(JSON.stringify(value)));

  test("a signed payload that breaks the schema is refused as 'payload', naming each field", () => {
    const bad = { ...payload(), items: [{ ...payload().items[0]!, quantity: -5 }], boundUuids: ["0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"], colour: "red" };
    const err = refusal(signJson(bad));
    expect(err.reason).toBe("payload");
    expect(err.problems).toContain("items[0].quantity: must be a whole number from 1 to 9007199254740991");
    expect(err.problems.some((p) => p.startsWith("boundUuids[0]: must be a server UUID"))).toBe(true);
    expect(err.problems.some((p) => p.startsWith("colour: is not a field of a license payload"))).toBe(true);
    expect(err.message).toContain("Ask your vendor for a corrected file.");
  });

  test("a signed payload with a duplicate key, or that is not UTF-8 JSON, is refused as 'payload'", () => {
    const json = JSON.stringify(payload());
    expect(reasonOf(signRaw(new TextEncoder().encode(json.replace('"licenseId":"2001",', '"licenseId":"2001","licenseId":"9",'))))).toBe("payload");
    expect(reasonOf(signRaw(new TextEncoder().encode(json.replace('"quantity":1000', '"quantity":1000,"quantity":1'))))).toBe("payload");
    expect(reasonOf(signRaw(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe("payload");
    expect(reasonOf(signRaw(new TextEncoder().encode("[1,")))).toBe("payload");
  });

  test("the envelope is read without the signature (for inspect)", () => {
    expect(readLicenseEnvelope(encodeLicenseFile(payload(), other)).kid).toBe(other.kid);
  });
});

describe("issuer keys", () => {
  test("kid = the first 16 hex characters of SHA-256 of the raw public key (PROTOCOL.md)", () => {
    const raw = rawPublicKey(DEMO_ISSUER);
    expect(raw).toHaveLength(32);
    expect(keyId(raw)).toBe(createHash("sha256").update(raw).digest("hex").slice(0, 16));
    expect(DEMO_ISSUER.kid).toBe(keyId(raw));
    expect(other.kid).toBe(keyId(rawPublicKey(other.publicKey)));
  });

  test("the demo private key is the demo issuer's, and a PEM pair round-trips", () => {
    expect(demo.publicKey).toEqual(DEMO_ISSUER);
    const pair = generateIssuerKeyPair();
    expect(issuerPublicKeyFromPem(pair.publicKeyPem)).toEqual(issuerSignerFromPem(pair.privateKeyPem).publicKey);
    expect(issuerPublicKeyFromPem(pair.publicKeyPem).kid).toBe(pair.kid);
    expect(() => issuerPublicKeyFromPem("nope")).toThrow(/is not a PEM public key/);
    expect(() => issuerSignerFromPem(pair.publicKeyPem)).toThrow(/is not a PEM private key/);
  });

  test("Ed25519 verifies RFC 8032's test vector 1 and refuses a malleated signature", () => {
    const key = { kid: "", demo: false, publicKey: Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex").toString("base64url") };
    const sig = Buffer.from("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", "hex");
    expect(verifySignature(key, new Uint8Array(), sig)).toBe(true);
    // S + L: the same signature, but not canonical (RFC 8032 §5.1.7 requires S < L).
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    let malleated = s + L;
    const bytes = Buffer.from(sig);
    for (let i = 0; i < 32; i++, malleated >>= 8n) bytes[32 + i] = Number(malleated & 0xffn);
    expect(verifySignature(key, new Uint8Array(), bytes)).toBe(false);
  });
});
