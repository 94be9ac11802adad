package dev.aeserve.cli;

import dev.aeserve.client.Matrices;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.client.ServedVersion;
import dev.aeserve.proto.v1.Condition;
import dev.aeserve.proto.v1.Matrix;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.ServedBy;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
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
    return s.toProto();
  }

  static ModelSelector selector(String model) {
    try {
      return ModelSelector.parse(model);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage(), e);
    }
  }

  static Matrix matrix(float[][] rows) {
    return Matrices.toProto(rows);
  }

  static float[][] rows(Matrix m) {
    return Matrices.fromProto(m);
  }

  /** One label for every row, or one per row; empty for families without conditions. */
  static Condition condition(List<String> labels) {
    return Condition.newBuilder().addAllLabels(labels).build();
  }

  /** Which version served the call, on stderr so stdout stays pure CSV. */
  static void served(PrintStream err, ServedBy s) {
    ServedVersion v = ServedVersion.of(s);
    err.println("# served by " + v.model() + ":" + v.version() + " (" + v.route()
        + (v.alias().isEmpty() ? "" : " " + v.alias()) + ", " + v.family() + ", " + v.engine() + ")");
  }

  static String format(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
