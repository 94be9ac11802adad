package dev.aeserve.bench;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.server.grpc.MatrixCodec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Nanoseconds per 64x784 matrix through the whole wire path, for each encoding: serialize to bytes,
 * parse, and decode into the engine's float array (what the server does per request).
 */
final class CodecTiming {

  /** Keeps the JIT from discarding the decoded matrices. */
  private static volatile float sink;

  private CodecTiming() {}

  static Map<String, Object> measure() throws Exception {
    Matrix m = SyntheticData.manifold(64, 784, 2);
    Map<String, Object> out = new LinkedHashMap<>();
    for (MatrixEncoding enc : new MatrixEncoding[] {MatrixEncoding.MATRIX_ENCODING_VALUES,
        MatrixEncoding.MATRIX_ENCODING_RAW_LE}) {
      long best = Long.MAX_VALUE;
      for (int round = 0; round < 5; round++) {
        int n = 2000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          byte[] wire = MatrixCodec.encode(m, enc).toByteArray();
          Matrix back = MatrixCodec.decode(dev.aeserve.proto.v1.Matrix.parseFrom(wire), "inputs");
          sink = back.data()[i % back.data().length];
        }
        long per = (System.nanoTime() - start) / n;
        best = Math.min(best, per);
      }
      out.put(enc == MatrixEncoding.MATRIX_ENCODING_VALUES ? "values_us_per_64x784" : "raw_le_us_per_64x784",
          best / 1000.0);
    }
    return out;
  }
}
