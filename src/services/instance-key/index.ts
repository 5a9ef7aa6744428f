export * from "./instance-key";
