import { describe, expect, test } from "bun:test";
import { askThread, startThread } from "../../src/lib/threads";

const ECHO = new URL("../fixtures/threads/echo.ts", import.meta.url).href;

/** Starts the echo thread, recording what it posts and how it ends. */
function echoThread() {
  const messages: string[] = [];
  const ends: string[] = [];
  let ended: () => void = () => {};
  const hasEnded = new Promise<void>((resolve) => (ended = resolve));
  const thread = startThread<string, string>(ECHO, {
    message: (report) => messages.push(report),
    ended: (reason) => {
      ends.push(reason);
      ended();
    },
  });
  return { thread, messages, ends, hasEnded };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("startThread", () => {
  test("passes on what the thread posts", async () => {
    const { thread, messages, ends } = echoThread();
    thread.post("hello");
    for (let i = 0; i < 200 && messages.length === 0; i++) await settle(10);
    expect(messages).toEqual(["hello"]);
    thread.stop();
    await settle(100);
    expect(ends).toEqual([]);
  });

  test.each([
    ["exits without an error", "exit", "it ended (exit code 3)"],
    ["throws", "throw", "it failed: out of cheese"],
  ])("a thread that %s is told, once, why", async (_, request, reason) => {
    const { thread, ends, hasEnded } = echoThread();
    thread.post(request);
    await hasEnded;
    await settle(100);
    expect(ends).toEqual([reason]);
  });
});

describe("askThread", () => {
  test("settles with the thread's answer", async () => {
    expect(await askThread<string, string>(ECHO, "ping")).toBe("ping");
  });

  test.each([
    ["exits", "exit", "it ended (exit code 3)"],
    ["fails", "throw", "it failed: out of cheese"],
  ])("rejects when the thread %s before it answers (else its caller would wait for ever)", async (_, request, reason) => {
    await expect(askThread(ECHO, request)).rejects.toThrow(`the thread ended before it answered: ${reason}`);
  });
});
