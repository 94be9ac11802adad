package dev.aeserve.cli;

import com.google.protobuf.UnsafeByteOperations;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.Condition;
import dev.aeserve.proto.v1.Matrix;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.ServedBy;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The proto side of the commands that call {@code AeserveClient.inferenceStub()} directly: rows to
 * and from {@code Matrix}, selectors to {@code ModelRef}, and a failed call to a one-line error.
 */
final class Wire {

  private Wire() {}

  /** Runs one RPC; a failure becomes {@code CODE: description}, the form the typed client uses. */
  static <T> T call(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw new CliException(e.getStatus().getCode() + ": " + e.getStatus().getDescription(), e);
    }
  }

  static ModelRef ref(ModelSelector s) {
    ModelRef.Builder b = ModelRef.newBuilder().setName(s.name());
    if (s.version() != null) {
      b.setVersion(s.version());
    } else if (s.alias() != null) {
      b.setAlias(s.alias());
    }
    if (s.routingKey() != null) {
      b.setRoutingKey(s.routingKey());
    }
    return b.build();
  }

  static ModelSelector selector(String model) {
    try {
      return ModelSelector.parse(model);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  /** Little-endian float32 bytes: no per-value varint framing for wide rows. */
  static Matrix matrix(float[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    ByteBuffer buf = ByteBuffer.allocate(rows.length * cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer fb = buf.asFloatBuffer();
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].length != cols) {
        throw new CliException("row " + (r + 1) + " has " + rows[r].length + " values, row 1 has " + cols);
      }
      fb.put(rows[r]);
    }
    return Matrix.newBuilder().setRows(rows.length).setCols(cols)
        .setRawLe(UnsafeByteOperations.unsafeWrap(buf.array())).build();
  }

  static float[][] rows(Matrix m) {
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

  /** One label for every row, or one per row; empty for families without conditions. */
  static Condition condition(List<String> labels) {
    return Condition.newBuilder().addAllLabels(labels).build();
  }

  /** Which version served the call, on stderr so stdout stays pure CSV. */
  static void served(PrintStream err, ServedBy s) {
    String route = switch (s.getRoute()) {
      case ROUTE_VERSION -> "version";
      case ROUTE_ALIAS -> "alias";
      case ROUTE_SPLIT -> "split";
      case ROUTE_LATEST -> "latest";
      default -> "unknown";
    };
    err.println("# served by " + s.getModel() + ":" + s.getVersion() + " (" + route
        + (s.getAlias().isEmpty() ? "" : " " + s.getAlias()) + ", " + s.getFamily() + ", " + s.getEngine() + ")");
  }

  static String format(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
