package aeserve

import (
	"encoding/binary"
	"fmt"
	"math"

	"aeserve.dev/clients/go/aeservev1"
)

// toMatrix sends rows as raw little-endian float32, the cheapest form for the server to read.
func toMatrix(rows [][]float32) (*aeservev1.Matrix, error) {
	cols := 0
	if len(rows) > 0 {
		cols = len(rows[0])
	}
	raw := make([]byte, 0, len(rows)*cols*4)
	for r, row := range rows {
		if len(row) != cols {
			return nil, fmt.Errorf("row %d has %d values, row 0 has %d", r, len(row), cols)
		}
		for _, v := range row {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	}
	return &aeservev1.Matrix{Rows: uint32(len(rows)), Cols: uint32(cols), RawLe: raw}, nil
}

// fromMatrix reads either encoding; nil for an absent matrix.
func fromMatrix(m *aeservev1.Matrix) [][]float32 {
	if m == nil {
		return nil
	}
	rows, cols := int(m.GetRows()), int(m.GetCols())
	out := make([][]float32, rows)
	raw, values := m.GetRawLe(), m.GetValues()
	for r := range out {
		out[r] = make([]float32, cols)
		for c := range out[r] {
			i := r*cols + c
			if len(raw) > 0 {
				out[r][c] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			} else {
				out[r][c] = values[i]
			}
		}
	}
	return out
}
