package dev.aeserve.server.runtime;

import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Reconstruction;
import dev.aeserve.autoencoders.Recommendations;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.Samples;
import dev.aeserve.autoencoders.ScoreKind;
import dev.aeserve.server.batching.Lane;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded version's batch lanes, typed by what goes in and what comes out. Row lanes take only
 * {@link Rows}, which {@link Admission} alone builds, so nothing unchecked reaches a batch.
 */
public final class Lanes {

  public static final Lane<Rows, Encoding> ENCODE = new Lane<>("encode", Rpc.ENCODE);
  public static final Lane<Rows, Matrix> DECODE = new Lane<>("decode", Rpc.DECODE);
  public static final Lane<Rows, Matrix> DENOISE = new Lane<>("denoise", Rpc.DENOISE);
  public static final Lane<SampleTask, Samples> SAMPLE = new Lane<>("sample", Rpc.SAMPLE);
  public static final Lane<RecommendTask, List<Recommendations>> RECOMMEND = new Lane<>("recommend", Rpc.RECOMMEND);

  /** Reconstruct requests share a batch only with requests for the same score. */
  private static final Map<ScoreKind, Lane<Rows, Reconstruction>> RECONSTRUCT = new EnumMap<>(ScoreKind.class);

  static {
    for (ScoreKind kind : ScoreKind.values()) {
      RECONSTRUCT.put(kind, new Lane<>("reconstruct/" + kind.id(), Rpc.RECONSTRUCT));
    }
  }

  private Lanes() {}

  public static Lane<Rows, Reconstruction> reconstruct(ScoreKind kind) {
    return RECONSTRUCT.get(kind);
  }
}
