package dev.aeserve.server.grpc;

import com.google.protobuf.UnsafeByteOperations;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.server.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts between the wire matrix and {@link Matrix}. Decoding checks only that the message is
 * a matrix (its shape matches what it carries, one encoding); whether it fits a model (width,
 * rows, finiteness) is {@link dev.aeserve.server.runtime.Admission}'s question.
 */
public final class MatrixCodec {

  private MatrixCodec() {}

  /**
   * Decodes a request matrix.
   *
   * @param field the request field's name, used in error messages
   */
  public static Matrix decode(dev.aeserve.proto.v1.Matrix m, String field) {
    // uint32 on the wire: read as unsigned, so 4294967295 is refused as itself, not as -1.
    long rows = Integer.toUnsignedLong(m.getRows());
    long cols = Integer.toUnsignedLong(m.getCols());
    boolean hasValues = m.getValuesCount() > 0;
    boolean hasRaw = !m.getRawLe().isEmpty();
    if ((rows == 0 || cols == 0) && !hasValues && !hasRaw) {
      // An empty matrix is well-formed; whether a call may be empty is admission's question, asked
      // after the route (a call the family does not serve says so, whatever it carries).
      return new Matrix(0, 0, new float[0]);
    }
    if (hasValues && hasRaw) {
      throw new InvalidRequestException(field + " sets both values and raw_le; set exactly one");
    }
    // Each factor is checked first, so the product (at most 2^62) cannot overflow a long.
    long expected = rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE ? Long.MAX_VALUE : rows * cols;
    if (expected > Integer.MAX_VALUE / Float.BYTES) {
      throw new InvalidRequestException(field + " is " + rows + "x" + cols + ": more values than one message can carry");
    }
    // The counts are checked before anything is allocated: the shape is the caller's claim.
    if (hasRaw && m.getRawLe().size() != expected * Float.BYTES) {
      throw new InvalidRequestException(field + " is " + rows + "x" + cols + " and needs "
          + expected * Float.BYTES + " bytes of raw_le, got " + m.getRawLe().size());
    }
    if (!hasRaw && m.getValuesCount() != expected) {
      throw new InvalidRequestException(field + " is " + rows + "x" + cols + " and needs "
          + expected + " values, got " + m.getValuesCount());
    }
    float[] data = new float[(int) expected];
    if (hasRaw) {
      m.getRawLe().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
    } else {
      for (int i = 0; i < data.length; i++) {
        data[i] = m.getValues(i);
      }
    }
    return new Matrix((int) rows, (int) cols, data);
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
