import { COMMIT, VERSION } from "../../lib/version";
import { print, type LtsCommand } from "./command";

export const version: LtsCommand = {
  name: "version",
  usage: [{ line: "lts version", summary: "print the version" }],
  serverOptions: [],
  options: {},
  help: "Prints the version of lts, the commit it was built from (dev when run from source), the Bun runtime and the platform. 'lts --version' does the same.",
  async run() {
    return print(`lts ${VERSION} (${COMMIT}, bun ${Bun.version}, ${process.platform}-${process.arch})`);
  },
};
