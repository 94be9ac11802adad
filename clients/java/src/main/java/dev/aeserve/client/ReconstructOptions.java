package dev.aeserve.client;

import dev.aeserve.proto.v1.ScoreKind;
import java.util.List;
import java.util.Objects;

/**
 * Options of Reconstruct and ReconstructStream.
 *
 * @param omitOutputs scores only: leave the reconstructed rows out of the response
 * @param featureErrors also return per-feature errors
 * @param scoreKind the score to compute; UNSPECIFIED means the spec's loss
 * @param condition CVAE: the condition of each row (or one for all); empty otherwise
 */
public record ReconstructOptions(boolean omitOutputs, boolean featureErrors, ScoreKind scoreKind,
    List<String> condition) {

  public ReconstructOptions {
    Objects.requireNonNull(scoreKind, "scoreKind");
    condition = List.copyOf(Objects.requireNonNull(condition, "condition"));
  }

  public static ReconstructOptions defaults() {
    return new ReconstructOptions(false, false, ScoreKind.SCORE_KIND_UNSPECIFIED, List.of());
  }

  public ReconstructOptions withOmitOutputs() {
    return new ReconstructOptions(true, featureErrors, scoreKind, condition);
  }

  public ReconstructOptions withFeatureErrors() {
    return new ReconstructOptions(omitOutputs, true, scoreKind, condition);
  }

  public ReconstructOptions withScoreKind(ScoreKind kind) {
    return new ReconstructOptions(omitOutputs, featureErrors, kind, condition);
  }

  public ReconstructOptions withCondition(String... labels) {
    return new ReconstructOptions(omitOutputs, featureErrors, scoreKind, List.of(labels));
  }
}
