package dev.aeserve.cli;

import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.ReconstructResponse;
import dev.aeserve.proto.v1.ScoreKind;
import dev.aeserve.proto.v1.ServedBy;
import java.util.Arrays;
import java.util.List;

/**
 * Per-row Reconstruct scores of a whole data file, computed by the server: the numbers
 * {@code calibrate} and {@code evaluate} report are the ones a caller would be served.
 */
final class ServerScoring {

  /** Rows per call: bounded well under the server's per-call row limit. */
  static final int CHUNK_ROWS = 4096;

  /**
   * @param kind the score the server computed (the model's default resolved)
   * @param servedBy the version every chunk was scored by
   */
  record Scores(float[] values, ScoreKind kind, ServedBy servedBy) {}

  private ServerScoring() {}

  /**
   * Scores {@code rows} without transferring reconstructions. The first chunk resolves the
   * selector; later chunks pin that version, so a traffic split cannot mix two models' scores.
   *
   * @param conditions a cvae label per row, or empty
   */
  static Scores score(AeserveClient client, ModelSelector model, float[][] rows, List<String> conditions,
      ScoreKind kind) {
    if (rows.length == 0) {
      throw new CliException("no rows to score");
    }
    float[] scores = new float[rows.length];
    ModelSelector pinned = model;
    ServedBy servedBy = null;
    ScoreKind served = kind;
    for (int from = 0; from < rows.length; from += CHUNK_ROWS) {
      int to = Math.min(rows.length, from + CHUNK_ROWS);
      ReconstructRequest request = ReconstructRequest.newBuilder()
          .setModel(Wire.ref(pinned))
          .setInputs(Wire.matrix(Arrays.copyOfRange(rows, from, to)))
          .setOmitOutputs(true)
          .setScoreKind(kind)
          .setCondition(Wire.condition(conditions.isEmpty() ? List.of() : conditions.subList(from, to)))
          .build();
      ReconstructResponse r = Wire.call(() -> client.inferenceStub().reconstruct(request));
      for (int i = 0; i < r.getScoresCount(); i++) {
        scores[from + i] = r.getScores(i);
      }
      if (servedBy == null) {
        servedBy = r.getServedBy();
        served = r.getScoreKind();
        pinned = ModelSelector.version(servedBy.getModel(), servedBy.getVersion());
      }
    }
    return new Scores(scores, served, servedBy);
  }

  static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
