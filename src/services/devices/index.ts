export * from "./list-devices";
export * from "./release-device";
