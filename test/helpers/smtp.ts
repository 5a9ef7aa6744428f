import { afterEach } from "bun:test";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** What a test SMTP server received: the envelope and the raw message. */
export interface Received {
  from: string;
  rcptTo: string[];
  user: string | undefined;
  raw: string;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A real SMTP server on 127.0.0.1 (plain text, no STARTTLS); `options` adds hooks; `port` binds a given one. */
export async function startSmtpServer(options: SMTPServerOptions = {}, port = 0) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    disableReverseLookup: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  let closed = false;
  const close = () => (closed ? Promise.resolve() : ((closed = true), new Promise<void>((resolve) => server.close(() => resolve()))));
  closers.push(close);
  return { received, port: (server.server.address() as AddressInfo).port, close };
}

/** A TCP server that accepts connections and never says a word (an SMTP server that stalls). */
export async function startSilentServer() {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
  return (server.address() as AddressInfo).port;
}

/**
 * A minimal SMTP server that goes along until the message body starts, then drops the connection
 * (a crash mid-DATA): nothing is ever accepted.
 */
export async function startDroppingServer() {
  let drops = 0;
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    let inData = false;
    socket.write("220 drop.test ESMTP\r\n");
    socket.on("data", (chunk) => {
      if (inData) {
        drops++;
        socket.destroy();
        return;
      }
      for (const line of chunk.toString("utf8").split("\r\n").filter(Boolean)) {
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 drop.test\r\n");
        else if (verb === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 OK\r\n");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))));
  return { port: (server.address() as AddressInfo).port, drops: () => drops };
}

/** A port nothing listens on: bound once, then closed. */
export async function closedPort() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function smtpError(code: number, text: string) {
  return Object.assign(new Error(text), { responseCode: code });
}

/** The header block of a raw message, continuation lines unfolded, names lower-cased. */
export function headers(raw: string): Record<string, string> {
  const block = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, " ");
  return Object.fromEntries(block.split(/\r?\n/).map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
}

/** The decoded text/plain part of a raw message (quoted-printable undone). */
export function plainText(raw: string): string {
  const part = /Content-Type: text\/plain[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([\s\S]*?)(?:\r?\n--|$)/i.exec(raw)?.[1] ?? raw;
  return quotedPrintable(part.replace(/=\r?\n/g, ""));
}

function quotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "=" && /^[0-9A-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i]!, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** A header value with its RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=) decoded. */
export function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, body: string) =>
      kind.toUpperCase() === "B" ? Buffer.from(body, "base64").toString("utf8") : quotedPrintable(body.replace(/_/g, " ")),
    );
}
