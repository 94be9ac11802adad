export * from "./client";
export { Matrix, Rows, matrix, toRows, toArrays } from "./matrix";
