export * from "./import-license-file";
export * from "./open-license";
export * from "./preview-import";
