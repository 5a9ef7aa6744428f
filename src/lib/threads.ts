/**
 * Worker threads whose end is never missed. A thread can end without being asked to in two ways:
 * an uncaught error (the Worker's "error" event, then "close"), or with no error at all —
 * `process.exit` in its code, its runtime giving up — which only "close" tells. A caller listening
 * for messages and errors alone would wait for ever on the second.
 */

export interface Thread<Request> {
  post(request: Request): void;
  /** Ends the thread; `ended` is not called for this end. */
  stop(): void;
}

/**
 * Starts `program` (workerEntry's answer, or a module URL) on a thread of its own: `message` gets
 * what it posts, `ended` is told once, with the reason, if it ends before stop().
 */
export function startThread<Report, Request = unknown>(program: string, on: { message(report: Report): void; ended(reason: string): void }): Thread<Request> {
  const worker = new Worker(program);
  let over = false;
  const end = (reason: string) => {
    if (over) return;
    over = true;
    worker.terminate();
    on.ended(reason);
  };
  worker.addEventListener("message", (event: MessageEvent<Report>) => over || on.message(event.data));
  worker.addEventListener("error", (event: ErrorEvent) => end(`it failed: ${errorLine(event.message)}`));
  worker.addEventListener("close", (event: Event) => end(`it ended (exit code ${(event as CloseEvent).code})`));
  return {
    post: (request) => worker.postMessage(request),
    stop: () => {
      over = true;
      worker.terminate();
    },
  };
}

/**
 * Runs `program` on a thread of its own for one request: settles with the first message it posts
 * (and ends it), or rejects when it ends without one.
 */
export function askThread<Reply, Request = unknown>(program: string, request: Request): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    const thread = startThread<Reply, Request>(program, {
      message: (reply) => {
        thread.stop();
        resolve(reply);
      },
      ended: (reason) => reject(new Error(`the thread ended before it answered: ${reason}`)),
    });
    thread.post(request);
  });
}

/** An uncaught error's own line ("error: <message>", "TypeError: <message>"), without the source lines Bun puts before it. */
function errorLine(message: string): string {
  const line = message.split("\n").find((l) => /^\w*(Error|error): /.test(l));
  return (line ?? message.trim()).replace(/^error: /, "");
}
