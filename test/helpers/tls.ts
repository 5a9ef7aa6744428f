// A self-signed certificate for localhost and 127.0.0.1, made by openssl for the e2e tests.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The certificate's PEM: trust it as the CA (`fetch(url, { tls: { ca } })`). */
  ca: string;
}

/** An EC P-256 certificate valid for a day, for DNS:localhost and IP:127.0.0.1, written into `dir`. */
export function makeTestCertificate(dir: string): TestCertificate {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const run = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (run.exitCode !== 0) throw new Error(`openssl could not make a test certificate: ${run.stderr.toString()}`);
  return { certFile, keyFile, ca: readFileSync(certFile, "utf8") };
}
