export * from "./adopt-current-uuid";
export * from "./generate-machine-uuid";
export * from "./machine-identity";
export * from "./preview-machine-uuid";
export * from "./read-hardware-labels";
export * from "./schemas";
export * from "./stored-identity";
