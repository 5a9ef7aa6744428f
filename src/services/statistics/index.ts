export * from "./read-statistics";
export * from "./statistics-csv";
