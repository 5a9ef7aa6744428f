import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../src/cli/args";
import { UsageError } from "../../src/cli/errors";

describe("command-line arguments", () => {
  test("takes --flag value, --flag=value and bare switches by option name", () => {
    const parsed = parseArgs(["--port", "1234", "--data-dir=/d", "--trust-proxy", "127.0.0.1", "--stdin", "file.lic"], ["port", "dataDir", "trustProxy"], { stdin: { flag: "--stdin", env: "", help: "" } });
    expect(parsed.flags).toEqual({ port: "1234", dataDir: "/d", trustProxy: "127.0.0.1", stdin: "" });
    expect(parsed.positionals).toEqual(["file.lic"]);
  });

  test("refuses an option the command does not take, naming it", () => {
    expect(() => parseArgs(["--prot", "1"], ["port"])).toThrow(new UsageError("Unknown option --prot. Run 'lts --help' to see the options."));
    expect(() => parseArgs(["--port", "1"], ["dataDir"])).toThrow(/Unknown option --port/);
  });

  test("refuses an option whose value is missing", () => {
    expect(() => parseArgs(["--port"], ["port"])).toThrow(/--port needs a value: --port N/);
    expect(() => parseArgs(["--data-dir", "--port", "1"], ["port", "dataDir"])).toThrow(/--data-dir needs a value/);
  });

  test("accepts command-specific switches", () => {
    expect(parseArgs(["--stdin"], [], { stdin: { flag: "--stdin", env: "", help: "" } }).flags).toEqual({ stdin: "" });
  });
});
