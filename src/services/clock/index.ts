export * from "./trusted-clock";
export * from "./reset-latest-seen";
