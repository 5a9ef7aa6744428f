export * from "./list-items";
export * from "./summarize-items";
