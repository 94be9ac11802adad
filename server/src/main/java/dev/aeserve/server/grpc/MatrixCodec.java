package dev.aeserve.server.grpc;

import com.google.protobuf.UnsafeByteOperations;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.server.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts between the wire matrix and {@link Matrix}, checking shape, size and finiteness at the
 * door so that bad input never reaches a model.
 */
public final class MatrixCodec {

  private final int maxRows;

  public MatrixCodec(int maxRows) {
    this.maxRows = maxRows;
  }

  /**
   * Decodes and validates a request matrix.
   *
   * @param field the request field's name, used in error messages
   */
  public Matrix decode(dev.aeserve.proto.v1.Matrix m, String field) {
    if (m.getRows() == 0 || m.getCols() == 0) {
      throw new InvalidRequestException(field + " is empty: it has " + m.getRows() + " rows and "
          + m.getCols() + " columns");
    }
    if (m.getRows() > maxRows) {
      throw new InvalidRequestException(field + " has " + m.getRows() + " rows; at most " + maxRows
          + " rows are allowed per request");
    }
    long expected = (long) m.getRows() * m.getCols();
    boolean hasValues = m.getValuesCount() > 0;
    boolean hasRaw = !m.getRawLe().isEmpty();
    if (hasValues && hasRaw) {
      throw new InvalidRequestException(field + " sets both values and raw_le; set exactly one");
    }
    float[] data;
    if (hasRaw) {
      if (m.getRawLe().size() != expected * Float.BYTES) {
        throw new InvalidRequestException(field + " is " + m.getRows() + "x" + m.getCols() + " and needs "
            + expected * Float.BYTES + " bytes of raw_le, got " + m.getRawLe().size());
      }
      data = new float[(int) expected];
      m.getRawLe().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    } else {
      if (m.getValuesCount() != expected) {
        throw new InvalidRequestException(field + " is " + m.getRows() + "x" + m.getCols() + " and needs "
            + expected + " values, got " + m.getValuesCount());
      }
      data = new float[(int) expected];
      for (int i = 0; i < data.length; i++) {
        data[i] = m.getValues(i);
      }
    }
    int cols = m.getCols();
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        throw new InvalidRequestException(field + " row " + i / cols + " column " + i % cols + " is "
            + data[i] + "; values must be finite");
      }
    }
    return new Matrix(m.getRows(), cols, data);
  }

  /** Encodes a response matrix in the encoding the caller asked for. */
  public static dev.aeserve.proto.v1.Matrix encode(Matrix m, MatrixEncoding encoding) {
    dev.aeserve.proto.v1.Matrix.Builder b = dev.aeserve.proto.v1.Matrix.newBuilder()
        .setRows(m.rows()).setCols(m.cols());
    if (encoding == MatrixEncoding.MATRIX_ENCODING_RAW_LE) {
      ByteBuffer buf = ByteBuffer.allocate(m.data().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(m.data());
      b.setRawLe(UnsafeByteOperations.unsafeWrap(buf.array()));
    } else {
      for (float v : m.data()) {
        b.addValues(v);
      }
    }
    return b.build();
  }

  /** The encoding for a response: what was asked, else the request's own. */
  public static MatrixEncoding responseEncoding(MatrixEncoding asked, dev.aeserve.proto.v1.Matrix request) {
    if (asked != MatrixEncoding.MATRIX_ENCODING_UNSPECIFIED && asked != MatrixEncoding.UNRECOGNIZED) {
      return asked;
    }
    return request.getRawLe().isEmpty() ? MatrixEncoding.MATRIX_ENCODING_VALUES : MatrixEncoding.MATRIX_ENCODING_RAW_LE;
  }
}
