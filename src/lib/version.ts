import pkg from "../../package.json" with { type: "json" };

/** The version of this build (package.json's, stamped into the binary at build time). */
export const VERSION: string = pkg.version;
