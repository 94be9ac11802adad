package dev.aeserve.autoencoders;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a training run achieved, stored as JSON on the version it produced.
 *
 * @param loss the loss trained on: mse or bce
 * @param finalTrainLoss mean training loss of the last epoch
 * @param heldOutMse reconstruction MSE over the held-out rows, in input space (as Reconstruct scores)
 * @param heldOutBce reconstruction BCE over the held-out rows; null unless the loss is bce
 * @param rowsTrained rows the optimizer saw
 * @param rowsHeldOut rows set aside and never trained on
 * @param epochs epochs run
 * @param seconds wall time of the run
 * @param engine the engine it ran on
 * @param scoreKind the Reconstruct score the held-out rows were scored with (the spec's default)
 * @param heldOutMeanScore the mean of those scores; for autorec heldOutMse and the scores count
 *     observed ratings only
 * @param goldenBatch up to {@link GoldenBatch#TRAINED_ROWS} of the held-out rows with their mean
 *     score on the trained artifact: what the version's warm-up runs and checks
 * @param bestEpoch multvae: the epoch whose weights were kept (best validation NDCG@100)
 * @param validationNdcg multvae: NDCG@100 on the held-back users after each epoch run
 * @param anomalyScoreAuroc families that serve Reconstruct: for each score kind tried, the AUROC
 *     of held-out normal rows against generated off-distribution rows; the highest chose
 *     {@code scoreKind}
 * @param lambdaNdcg ease: NDCG@100 on the held-back users for each penalty tried
 * @param trainLossCurve the mean training loss of each epoch run, in order (null for versions
 *     trained before curves were recorded, and for ease, which has no epochs)
 * @param heldOutLossCurve the held-out (validation) loss after each epoch run, the same length
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingMetrics(String loss, double finalTrainLoss, double heldOutMse, Double heldOutBce,
    int rowsTrained, int rowsHeldOut, int epochs, double seconds, EngineKind engine, String scoreKind,
    Double heldOutMeanScore, GoldenBatch goldenBatch, Integer bestEpoch, List<Double> validationNdcg,
    Map<String, Double> anomalyScoreAuroc, Map<String, Double> lambdaNdcg, List<Double> trainLossCurve,
    List<Double> heldOutLossCurve) {

  /** Metrics before per-epoch loss curves were recorded. */
  public TrainingMetrics(String loss, double finalTrainLoss, double heldOutMse, Double heldOutBce,
      int rowsTrained, int rowsHeldOut, int epochs, double seconds, EngineKind engine, String scoreKind,
      Double heldOutMeanScore, GoldenBatch goldenBatch, Integer bestEpoch, List<Double> validationNdcg,
      Map<String, Double> anomalyScoreAuroc, Map<String, Double> lambdaNdcg) {
    this(loss, finalTrainLoss, heldOutMse, heldOutBce, rowsTrained, rowsHeldOut, epochs, seconds, engine, scoreKind,
        heldOutMeanScore, goldenBatch, bestEpoch, validationNdcg, anomalyScoreAuroc, lambdaNdcg, null, null);
  }

  /** Metrics before validation curves and score choices were recorded. */
  public TrainingMetrics(String loss, double finalTrainLoss, double heldOutMse, Double heldOutBce,
      int rowsTrained, int rowsHeldOut, int epochs, double seconds, EngineKind engine, String scoreKind,
      Double heldOutMeanScore, GoldenBatch goldenBatch) {
    this(loss, finalTrainLoss, heldOutMse, heldOutBce, rowsTrained, rowsHeldOut, epochs, seconds, engine, scoreKind,
        heldOutMeanScore, goldenBatch, null, null, null, null);
  }

  /** Metrics without the held-out score summary. */
  public TrainingMetrics(String loss, double finalTrainLoss, double heldOutMse, Double heldOutBce,
      int rowsTrained, int rowsHeldOut, int epochs, double seconds, EngineKind engine) {
    this(loss, finalTrainLoss, heldOutMse, heldOutBce, rowsTrained, rowsHeldOut, epochs, seconds, engine, null, null,
        null);
  }

  /** These metrics with another golden batch (or none). */
  public TrainingMetrics withGoldenBatch(GoldenBatch batch) {
    return new TrainingMetrics(loss, finalTrainLoss, heldOutMse, heldOutBce, rowsTrained, rowsHeldOut, epochs, seconds,
        engine, scoreKind, heldOutMeanScore, batch, bestEpoch, validationNdcg, anomalyScoreAuroc, lambdaNdcg,
        trainLossCurve, heldOutLossCurve);
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public TrainingMetrics {
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(engine, "engine");
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("metrics are not serializable", e);
    }
  }

  public static TrainingMetrics fromJson(String json) {
    try {
      return JSON.readValue(json, TrainingMetrics.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not training metrics JSON: " + e.getOriginalMessage(), e);
    }
  }
}
