export * from "./trusted-clock";
