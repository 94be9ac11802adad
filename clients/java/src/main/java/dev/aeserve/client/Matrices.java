package dev.aeserve.client;

import com.google.protobuf.UnsafeByteOperations;
import dev.aeserve.proto.v1.Matrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * {@code float[][]} to and from the wire matrix; requests go out as raw little-endian floats (no
 * per-value framing for wide rows). Public for code that calls the generated stubs directly.
 */
public final class Matrices {

  private Matrices() {}

  public static Matrix toProto(float[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    ByteBuffer buf = ByteBuffer.allocate(rows.length * cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer fb = buf.asFloatBuffer();
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != cols) {
        throw new IllegalArgumentException("row " + r + " has " + rows[r].length + " values, row 0 has " + cols);
      }
      fb.put(rows[r]);
    }
    return Matrix.newBuilder()
        .setRows(rows.length)
        .setCols(cols)
        .setRawLe(UnsafeByteOperations.unsafeWrap(buf.array()))
        .build();
  }

  public static float[][] fromProto(Matrix m) {
    float[][] out = new float[m.getRows()][m.getCols()];
    if (!m.getRawLe().isEmpty()) {
      FloatBuffer fb = m.getRawLe().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      for (float[] row : out) {
        fb.get(row);
      }
    } else {
      int i = 0;
      for (float[] row : out) {
        for (int c = 0; c < row.length; c++) {
          row[c] = m.getValues(i++);
        }
      }
    }
    return out;
  }
}
