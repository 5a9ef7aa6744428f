/**
 * Reads what the operator types. On a terminal, secrets are read without echo; from a pipe, one
 * line each (so scripts and tests can answer).
 */
export interface Prompt {
  line(question: string): Promise<string | null>;
  secret(question: string): Promise<string | null>;
}

export function terminalPrompt(): Prompt {
  const lines = console[Symbol.asyncIterator]();
  const nextLine = async () => {
    const r = await lines.next();
    return r.done ? null : r.value;
  };
  return {
    async line(question) {
      process.stderr.write(question);
      return nextLine();
    },
    async secret(question) {
      process.stderr.write(question);
      if (!process.stdin.isTTY) return nextLine();
      return readHidden();
    },
  };
}

function readHidden(): Promise<string | null> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    let typed = "";
    const done = (value: string | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done(typed);
        if (ch === "\u0003" || ch === "\u0004") return done(null); // Ctrl-C, Ctrl-D
        if (ch === "\u007f" || ch === "\b") typed = [...typed].slice(0, -1).join("");
        else typed += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** All of standard input, with one trailing line end removed. */
export async function readAllStdin(): Promise<string> {
  const text = await Bun.stdin.text();
  return text.replace(/\r?\n$/, "");
}
