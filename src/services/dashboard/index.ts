export * from "./summarize-usage";
