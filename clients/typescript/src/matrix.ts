import { endianness } from "os";
import type { Matrix as WireMatrix, Matrix__Output as WireMatrixOutput } from "./generated/aeserve/v1/Matrix";

/** A row-major float32 matrix: `data[r * cols + c]`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** What the client accepts as rows: a Matrix, or rows as arrays (number[] or Float32Array each). */
export type Rows = Matrix | ArrayLike<number>[];

const LITTLE_ENDIAN = endianness() === "LE";

/** Builds a Matrix from rows of equal length. */
export function matrix(rows: ArrayLike<number>[]): Matrix {
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (row.length !== cols) {
      throw new RangeError(`row ${r} has ${row.length} values, row 0 has ${cols}`);
    }
    data.set(row, r * cols);
  });
  return { rows: rows.length, cols, data };
}

/** The rows of a Matrix as Float32Array views (no copy). */
export function toRows(m: Matrix): Float32Array[] {
  return Array.from({ length: m.rows }, (_, r) => m.data.subarray(r * m.cols, (r + 1) * m.cols));
}

/** Rows as plain number arrays (for JSON, logs and tests). */
export function toArrays(m: Matrix): number[][] {
  return toRows(m).map((row) => Array.from(row));
}

function asMatrix(rows: Rows): Matrix {
  return Array.isArray(rows) ? matrix(rows) : (rows as Matrix);
}

/** Requests go out as raw little-endian float32, the cheapest form for both sides. */
export function toWire(rows: Rows): WireMatrix {
  const m = asMatrix(rows);
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`matrix of ${m.rows} x ${m.cols} holds ${m.data.length} values`);
  }
  let bytes: Buffer;
  if (LITTLE_ENDIAN) {
    bytes = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  } else {
    bytes = Buffer.alloc(m.data.length * 4);
    m.data.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  }
  return { rows: m.rows, cols: m.cols, rawLe: bytes };
}

/** Reads either wire encoding; undefined for an absent matrix. */
export function fromWire(w: WireMatrixOutput | null | undefined): Matrix | undefined {
  if (!w) {
    return undefined;
  }
  const n = w.rows * w.cols;
  const data = new Float32Array(n);
  if (w.rawLe && w.rawLe.length > 0) {
    // Copy: the Buffer may not be 4-byte aligned, and it may be big-endian here.
    for (let i = 0; i < n; i++) {
      data[i] = w.rawLe.readFloatLE(i * 4);
    }
  } else {
    data.set(w.values);
  }
  return { rows: w.rows, cols: w.cols, data };
}
