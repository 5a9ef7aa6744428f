import { DEMO_ISSUER } from "./demo-issuer";
import { KID_PATTERN, verifySignature, type IssuerPublicKey, type IssuerSigner } from "./issuer-key";
import { LicensePayload, validate } from "./license";

/**
 * The license file format (PROTOCOL.md, "License file"):
 *
 *   -----BEGIN LTS LICENSE FILE-----
 *   base64 (standard alphabet, lines of 64) of {"v":1,"alg":"Ed25519","kid":…,"payload":…,"sig":…}
 *   -----END LTS LICENSE FILE-----
 *
 * `payload` is base64url of the payload's UTF-8 JSON; `sig` is Ed25519 over the UTF-8 bytes of
 * "lts-license/" + payload, the base64url text exactly as it stands. Reading is strict and in this
 * order: armor, encodings (each must re-encode to the very same text), envelope, algorithm, issuer,
 * signature, and only then the payload is decoded (duplicate JSON keys refused) and checked.
 */
export const LICENSE_FILE_BEGIN = "-----BEGIN LTS LICENSE FILE-----";
export const LICENSE_FILE_END = "-----END LTS LICENSE FILE-----";
/** Domain separation: what is signed is SIGNING_PREFIX + the payload's base64url text. */
export const SIGNING_PREFIX = "lts-license/";
/** License files are a few KB; this leaves room for thousands of items. */
export const MAX_LICENSE_FILE_BYTES = 1024 * 1024;
const LINE_WIDTH = 64;
const ENVELOPE_FIELDS = ["v", "alg", "kid", "payload", "sig"] as const;

export type LicenseFileErrorReason = "armor" | "encoding" | "envelope" | "algorithm" | "unknown-key" | "signature" | "payload";

/** A license file that cannot be used; `reason` is for code, the message tells a person what to do. */
export class LicenseFileError extends Error {
  constructor(
    readonly reason: LicenseFileErrorReason,
    message: string,
    /** For `payload`: one `field: what is allowed` line per problem. */
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = "LicenseFileError";
  }
}

/** The outer JSON of a license file, checked for form but not yet for its signature. */
export interface LicenseEnvelope {
  v: 1;
  alg: "Ed25519";
  kid: string;
  /** base64url of the payload's UTF-8 JSON, as signed. */
  payload: string;
  /** base64url of the 64-byte Ed25519 signature. */
  sig: string;
}

export interface OpenedLicenseFile {
  payload: LicensePayload;
  /** The payload's base64url text exactly as signed (hash it to recognise the same file again). */
  payloadText: string;
  kid: string;
  issuer: IssuerPublicKey;
}

/** Signs a payload and returns the armored file text (LF line ends, one after the end line). */
export function encodeLicenseFile(payload: LicensePayload, signer: IssuerSigner): string {
  const checked = validate(LicensePayload, payload);
  if (!checked.success) throw new LicenseFileError("payload", `Cannot sign an invalid payload:\n${checked.problems.join("\n")}`, checked.problems);
  const payloadText = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  const sig = Buffer.from(signer.sign(signedBytes(payloadText))).toString("base64url");
  const envelope: LicenseEnvelope = { v: 1, alg: "Ed25519", kid: signer.kid, payload: payloadText, sig };
  const body = Buffer.from(JSON.stringify(envelope), "utf8").toString("base64");
  const lines = body.match(new RegExp(`.{1,${LINE_WIDTH}}`, "g")) ?? [];
  return [LICENSE_FILE_BEGIN, ...lines, LICENSE_FILE_END, ""].join("\n");
}

/**
 * Verifies a license file against the trusted issuer keys and decodes its payload. Throws
 * LicenseFileError (with a message that says what to do) for anything but a well-formed file
 * whose signature by a trusted key holds and whose payload fits the schema.
 */
export function openLicenseFile(input: string | Uint8Array, trustedKeys: readonly IssuerPublicKey[]): OpenedLicenseFile {
  const envelope = readLicenseEnvelope(input);
  const issuer = trustedKeys.find((key) => key.kid === envelope.kid);
  if (!issuer) {
    const demo = envelope.kid === DEMO_ISSUER.kid ? " (the repository's demo issuer, which a build made with --issuer-key does not trust)" : "";
    throw new LicenseFileError(
      "unknown-key",
      `This file was signed by issuer key ${envelope.kid}${demo}, which this server does not trust. Ask your vendor for a file signed with their key, or a build of lts that trusts it.`,
    );
  }
  if (!verifySignature(issuer, signedBytes(envelope.payload), Buffer.from(envelope.sig, "base64url"))) {
    throw new LicenseFileError(
      "signature",
      `The file was changed after it was signed: its signature by issuer key ${envelope.kid} does not match its content. Ask your vendor for the original file again, and import it unchanged.`,
    );
  }
  const checked = validate(LicensePayload, decodePayload(envelope));
  if (!checked.success) {
    throw new LicenseFileError(
      "payload",
      `The file is signed by issuer key ${envelope.kid}, but its content is not a valid LTS license:\n${checked.problems.map((p) => `  ${p}`).join("\n")}\nAsk your vendor for a corrected file.`,
      checked.problems,
    );
  }
  return { payload: checked.output, payloadText: envelope.payload, kid: envelope.kid, issuer };
}

/**
 * Reads the armor, the base64 body and the envelope, strictly, without checking the signature
 * (openLicenseFile does). Throws LicenseFileError: armor, encoding, envelope or algorithm.
 */
export function readLicenseEnvelope(input: string | Uint8Array): LicenseEnvelope {
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > MAX_LICENSE_FILE_BYTES) throw armor(`it is ${(size / 1e6).toFixed(1)} MB, and license files are a few KB`);
  const text = typeof input === "string" ? input : utf8(input, "encoding", "The file is not text (it holds bytes that are not UTF-8)");
  const body = unarmor(text);
  const json = utf8(new Uint8Array(strictBase64(body)), "encoding", "Its content does not decode to UTF-8 text");
  return envelopeOf(json);
}

/**
 * The payload's JSON, decoded without any check of signature or schema: for `lts-vendor inspect`
 * to show what an unverifiable file claims. Never use it to decide anything.
 */
export function decodePayloadUnverified(envelope: LicenseEnvelope): unknown {
  return decodePayload(envelope);
}

// ---- the steps -----------------------------------------------------------------------------------

function signedBytes(payloadText: string): Uint8Array {
  return new TextEncoder().encode(SIGNING_PREFIX + payloadText);
}

function armor(detail: string): LicenseFileError {
  return new LicenseFileError(
    "armor",
    `This is not an LTS license file: ${detail}. A license file starts with the line ${LICENSE_FILE_BEGIN} and ends with ${LICENSE_FILE_END}, with nothing before or after. Choose the file your vendor sent, unchanged.`,
  );
}

function damaged(reason: "encoding" | "envelope", detail: string): LicenseFileError {
  return new LicenseFileError(reason, `The license file is damaged: ${detail}. Ask your vendor to send it again (as an attachment, not pasted into a message), and import it unchanged.`);
}

/** The base64 body between the armor lines, as one string, with the line layout checked. */
function unarmor(text: string): string {
  const eol = text.startsWith(LICENSE_FILE_BEGIN + "\r\n") ? "\r\n" : text.startsWith(LICENSE_FILE_BEGIN + "\n") ? "\n" : null;
  if (eol === null) throw armor(text.startsWith(LICENSE_FILE_BEGIN) ? "its first line has more than the BEGIN line" : "it does not start with the BEGIN line");
  let rest = text.slice(LICENSE_FILE_BEGIN.length + eol.length);
  if (rest.endsWith(LICENSE_FILE_END + eol)) rest = rest.slice(0, -(LICENSE_FILE_END.length + eol.length));
  else if (rest.endsWith(LICENSE_FILE_END)) rest = rest.slice(0, -LICENSE_FILE_END.length);
  else throw armor("it does not end with the END line (followed by at most one line end)");
  if (rest === "") throw armor("it has nothing between the BEGIN and END lines");
  if (!rest.endsWith(eol)) throw armor("its END line does not stand on a line of its own");

  const lines = rest.slice(0, -eol.length).split(eol);
  if (lines.some((line) => line.includes("\r") || line.includes("\n"))) throw damaged("encoding", "its line ends are mixed (a license file uses LF or CRLF throughout)");
  const badWidth = lines.findIndex((line, i) => (i < lines.length - 1 ? line.length !== LINE_WIDTH : line.length < 1 || line.length > LINE_WIDTH));
  if (badWidth >= 0) throw damaged("encoding", `line ${badWidth + 2} is ${lines[badWidth]!.length} characters long, and the base64 lines are ${LINE_WIDTH} long (the last one may be shorter)`);
  return lines.join("");
}

/** Standard base64 with padding, exactly as an encoder writes it: it must re-encode to itself. */
function strictBase64(body: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
    throw damaged("encoding", "its body is not standard base64 (A-Z, a-z, 0-9, + and /, padded with =)");
  }
  const bytes = Buffer.from(body, "base64");
  if (bytes.toString("base64") !== body) throw damaged("encoding", "its base64 body is not written the one canonical way");
  return bytes;
}

/** base64url without padding, exactly as an encoder writes it. */
function strictBase64url(field: string, value: string): Buffer {
  const bytes = Buffer.from(value, "base64url");
  if (!/^[A-Za-z0-9_-]+$/.test(value) || bytes.toString("base64url") !== value) {
    throw damaged("encoding", `its ${field} field is not canonical base64url (A-Z, a-z, 0-9, - and _, no padding)`);
  }
  return bytes;
}

function utf8(bytes: Uint8Array, reason: "encoding" | "payload", what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw reason === "encoding" ? damaged("encoding", what.charAt(0).toLowerCase() + what.slice(1)) : new LicenseFileError("payload", `${what}. Ask your vendor for a corrected file.`);
  }
}

function envelopeOf(json: string): LicenseEnvelope {
  const value = parseJsonStrict(json, (detail) => damaged("envelope", `its envelope is not valid JSON (${detail})`));
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw damaged("envelope", "its envelope is not a JSON object");
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !(ENVELOPE_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) throw damaged("envelope", `its envelope has the unknown field "${unknown}" (the fields are ${ENVELOPE_FIELDS.join(", ")})`);
  const missing = ENVELOPE_FIELDS.find((key) => !(key in fields));
  if (missing !== undefined) throw damaged("envelope", `its envelope lacks the field "${missing}"`);
  if (fields.v !== 1) throw damaged("envelope", `its format version is ${JSON.stringify(fields.v)}, and this build of lts reads version 1`);
  if (fields.alg !== "Ed25519") {
    throw new LicenseFileError(
      "algorithm",
      `This file claims the signature algorithm ${JSON.stringify(fields.alg)}; LTS license files are signed with Ed25519 only. Ask your vendor for a file made with lts-vendor.`,
    );
  }
  if (typeof fields.kid !== "string" || !KID_PATTERN.test(fields.kid)) throw damaged("envelope", "its kid is not an issuer key id (16 lower-case hex digits)");
  if (typeof fields.payload !== "string" || typeof fields.sig !== "string") throw damaged("envelope", "its payload and sig fields must be strings");
  strictBase64url("payload", fields.payload);
  if (strictBase64url("sig", fields.sig).length !== 64) throw damaged("envelope", "its signature is not 64 bytes long (Ed25519)");
  return { v: 1, alg: "Ed25519", kid: fields.kid, payload: fields.payload, sig: fields.sig };
}

function decodePayload(envelope: LicenseEnvelope): unknown {
  const json = utf8(new Uint8Array(Buffer.from(envelope.payload, "base64url")), "payload", "Its signed payload is not UTF-8 text");
  return parseJsonStrict(json, (detail) => new LicenseFileError("payload", `Its signed payload is not valid JSON (${detail}). Ask your vendor for a corrected file.`));
}

/** JSON.parse, but a duplicate key in any object is an error (JSON.parse would keep the last). */
function parseJsonStrict(json: string, fail: (detail: string) => LicenseFileError): unknown {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const duplicate = duplicateKey(json);
  if (duplicate !== null) throw fail(`the key ${JSON.stringify(duplicate)} appears twice in one object`);
  return value;
}

/** The first key that appears twice in one object of `json`, which JSON.parse has accepted. */
function duplicateKey(json: string): string | null {
  const stack: (Set<string> | null)[] = []; // one entry per open object (its keys) or array (null)
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      const keys = stack.at(-1);
      if (keys && expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
    } else if (c === "}" || c === "]") {
      stack.pop();
    } else if (c === ",") {
      expectKey = !!stack.at(-1);
    }
  }
  return null;
}
