export * from "./authorize";
export * from "./context";
export * from "./release";
export * from "./report";
export * from "./schemas";
