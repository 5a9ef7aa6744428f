export * from "./list-devices";
export * from "./list-domains";
export * from "./release-device";
export * from "./release-domain";
export * from "./rows-per-page";
