import { describe, expect, test } from "bun:test";
import { summaryLine } from "../../scripts/test";

const CI_PATTERN = /^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/; // .ci/run greps for this line

describe("scripts/test.ts' closing line", () => {
  test("counts passed and failed tests from bun test's output", () => {
    expect(summaryLine("\n 412 pass\n 2 fail\n 1300 expect() calls\n", 1)).toBe("412 passed, 2 failed");
  });

  test("says how many were skipped when bun skipped some, after the passed and failed counts", () => {
    const line = summaryLine("\n 410 pass\n 3 skip\n 0 fail\n 1300 expect() calls\n", 0);
    expect(line).toBe("410 passed, 0 failed, 3 skipped");
    expect(line).toMatch(CI_PATTERN);
  });

  test("a failing run with no failed test (a crash, an unhandled error) counts as one failure", () => {
    expect(summaryLine("\n 12 pass\n 0 fail\n", 1)).toBe("12 passed, 1 failed");
  });

  test(".ci/run finds the line, with or without skipped tests", async () => {
    const ci = await Bun.file(new URL("../../.ci/run", import.meta.url)).text();
    const grep = ci.match(/grep -E '([^']+)'/)?.[1];
    expect(grep).toBeDefined();
    const pattern = new RegExp(grep!);
    expect("410 passed, 0 failed, 3 skipped").toMatch(pattern);
    expect("410 passed, 0 failed").toMatch(pattern);
  });
});
