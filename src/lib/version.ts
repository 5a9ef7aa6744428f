import pkg from "../../package.json" with { type: "json" };

/** scripts/build.ts defines it as the commit the binary was built from (`git rev-parse --short HEAD`, maybe "-dirty"). */
declare const LTS_BUILD_COMMIT: string | undefined;

/** The version of this build (package.json's, stamped into the binary at build time). */
export const VERSION: string = pkg.version;

/** The commit this binary was built from; "dev" when running from source (or built without git). */
export const COMMIT: string = typeof LTS_BUILD_COMMIT === "string" ? LTS_BUILD_COMMIT : "dev";
