package dev.aeserve.autoencoders;

import dev.aeserve.autoencoders.internal.FamilyTraining;
import dev.aeserve.autoencoders.internal.EaseBlocks;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Trains any family on a DJL engine: Adam on the family's objective (see the spec's fields and
 * {@link Regularization}), shuffled mini-batches, and a held-out split drawn before training
 * that the optimizer never sees. The final metrics and the calibration come from loading the
 * produced artifact and scoring the held-out rows exactly as Reconstruct would, so they also
 * prove the artifact loads.
 *
 * <p>Runs are seeded: the split, the shuffling, the engine's initializer and every noise draw
 * (VAE reparameterization, dae corruption, multvae dropout, contractive probes) follow
 * {@link TrainingConfig#seed}, so a rerun on the same engine gives the same weights where the
 * engine's kernels are deterministic (CPU, one run at a time; the engine seed is process-wide).
 */
public final class AutoencoderTrainer {
  private final TrainingConfig config;
  private final Calibrator calibrator;

  /** Calibrates at the 99th percentile of held-out scores. */
  public AutoencoderTrainer(TrainingConfig config) {
    this(config, Calibrator.defaults());
  }

  public AutoencoderTrainer(TrainingConfig config, Calibrator calibrator) {
    this.config = Objects.requireNonNull(config, "config");
    this.calibrator = Objects.requireNonNull(calibrator, "calibrator");
  }

  public TrainingConfig config() {
    return config;
  }

  public TrainedModel train(AutoencoderSpec spec, Matrix data) {
    return train(spec, data, Conditions.NONE, TrainingProgress.NONE);
  }

  public TrainedModel train(AutoencoderSpec spec, Matrix data, TrainingProgress progress) {
    return train(spec, data, Conditions.NONE, progress);
  }

  /**
   * @param conditions a cvae's label per row ({@link Conditions#NONE} for other families)
   * @throws InvalidInputException when the data does not fit the spec (width, non-finite values,
   *     too few rows, values outside [0, 1] for bce, negative counts for multvae, conditions)
   * @throws InvalidSpecException for bce together with standardization, whose targets would not
   *     be probabilities
   */
  public TrainedModel train(AutoencoderSpec spec, Matrix data, Conditions conditions, TrainingProgress progress) {
    return train(spec, data, conditions, null, progress);
  }

  /**
   * @param classes what each row of {@code data} is (such as its Fashion-MNIST class), or null: kept
   *     with the golden batch's rows for people to see (the console colours the latent map by it),
   *     never trained on. A cvae's condition labels serve when this is null
   * @throws InvalidInputException also when {@code classes} does not have one name per row
   */
  public TrainedModel train(AutoencoderSpec spec, Matrix data, Conditions conditions, List<String> classes,
      TrainingProgress progress) {
    Objects.requireNonNull(spec, "spec");
    if (classes != null && classes.size() != data.rows()) {
      throw new InvalidInputException(classes.size() + " class labels for " + data.rows() + " rows; give one per row");
    }
    Objects.requireNonNull(progress, "progress");
    InputValidation.requireInput(spec, data);
    int[] labels = Objects.requireNonNull(conditions, "conditions").resolve(spec, data.rows());
    if (spec.loss().equals("bce")) {
      if (spec.standardization() != null) {
        throw new InvalidSpecException("loss bce cannot train on standardized inputs; drop the standardization or use mse");
      }
      requireRange(data, 0, 1, "loss bce needs inputs in [0, 1]");
    }
    if (spec.family() == Family.MULTVAE || spec.family() == Family.EASE) {
      requireRange(data, 0, Float.MAX_VALUE, spec.family().id() + " needs interaction counts >= 0");
    }
    if (spec.family() == Family.AUTOREC) {
      requireExplicit(data);
    }
    int heldOutRows = (int) Math.round(data.rows() * config.heldOutFraction());
    if (heldOutRows < 1 || data.rows() - heldOutRows < 1) {
      throw new InvalidInputException("need at least one training and one held-out row; " + data.rows()
          + " rows with heldOutFraction " + config.heldOutFraction() + " gives " + heldOutRows + " held out");
    }

    long started = System.nanoTime();
    Random random = new Random(config.seed());
    int[] order = FamilyTraining.permutation(data.rows(), random);
    Matrix heldOut = FamilyTraining.gather(data, order, 0, heldOutRows);
    Matrix training = FamilyTraining.gather(data, order, heldOutRows, data.rows());
    int[] heldOutLabels = FamilyTraining.gather(labels, order, 0, heldOutRows);
    int[] trainingLabels = FamilyTraining.gather(labels, order, heldOutRows, data.rows());

    FamilyTraining.Result result;
    Map<String, Double> lambdaNdcg = null;
    if (spec.family() == Family.EASE) {
      // Closed form: the held-out users choose lambda, and are never part of the fit.
      Ease.Fit fit = Ease.fit(training, heldOut, config.seed());
      lambdaNdcg = new LinkedHashMap<>();
      for (Map.Entry<Double, Double> e : fit.validationNdcg().entrySet()) {
        lambdaNdcg.put(String.valueOf(e.getKey()), e.getValue());
      }
      spec = spec.withLambda(fit.lambda());
      Double best = fit.validationNdcg().get(fit.lambda());
      progress.onValidation(1, "ndcg@100", best == null ? 0 : best, true);
      result = new FamilyTraining.Result(EaseBlocks.artifact(spec, fit.weights(), config.engine()), 0, 1, 1,
          List.of(), List.of(), List.of());
    } else {
      result = new FamilyTraining(spec, config)
          .run(training, trainingLabels, heldOut, heldOutLabels, random, progress);
    }
    byte[] weights = result.artifact().toBytes();

    AnomalyScoreChoice.Choice choice = AnomalyScoreChoice.choose(spec, weights, config.engine(), training,
        trainingLabels, heldOut, heldOutLabels, config.seed());
    spec = choice.spec();
    HeldOut scored;
    try (Autoencoder trained = Autoencoders.load(spec, weights, config.engine())) {
      scored = score(trained, heldOut, heldOutLabels);
    }
    ScoreKind kind = spec.defaultScoreKind();
    double meanScore = 0;
    for (float s : scored.scores) {
      meanScore += s / (double) scored.scores.length;
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    boolean validated = !result.validationNdcg().isEmpty();
    TrainingMetrics metrics = new TrainingMetrics(spec.loss(), result.finalTrainLoss(), scored.mse,
        spec.loss().equals("bce") ? scored.bce : null, training.rows(), heldOut.rows(), result.epochs(), seconds,
        config.engine(), kind.id(), meanScore, goldenBatch(spec, heldOut, heldOutLabels,
            classes == null ? null : FamilyTraining.gather(classes, order, 0, heldOutRows), scored.scores, kind),
        validated ? result.bestEpoch() : null, validated ? result.validationNdcg() : null,
        choice.auroc().isEmpty() ? null : choice.auroc(), lambdaNdcg,
        result.trainLossCurve().isEmpty() ? null : result.trainLossCurve(),
        result.heldOutLossCurve().isEmpty() ? null : result.heldOutLossCurve());
    Calibration calibration = spec.family().serves(Rpc.RECONSTRUCT)
        ? calibrator.fromScores(scored.scores, kind) : null;
    // The version records the domain it was trained on, so rows far from it can be told apart.
    AutoencoderSpec trained = spec.inputDomain() != null ? spec : spec.withInputDomain(InputDomain.fit(spec, data));
    return new TrainedModel(trained, weights, metrics, calibration);
  }

  /**
   * AutoRec regresses rating values over the observed entries only: on implicit data every
   * observed value is the same, so predicting that constant is a perfect fit and ranks at chance.
   */
  private static void requireExplicit(Matrix data) {
    float first = Float.NaN;
    for (float v : data.data()) {
      if (v != 0) {
        if (Float.isNaN(first)) {
          first = v;
        } else if (v != first) {
          return;
        }
      }
    }
    throw new InvalidInputException("autorec predicts explicit rating values, but every observed value here is "
        + (Float.isNaN(first) ? "absent" : String.valueOf(first)) + " (implicit feedback): it would learn a constant and "
        + "rank at chance. Train multvae or ease on implicit data");
  }

  private record HeldOut(double mse, double bce, float[] scores) {}

  /**
   * The first held-out rows (already in random order) as the version's golden batch, with the
   * mean of their scores as the trained artifact computed them, so warm-up can check a loaded
   * version reproduces them.
   */
  private static GoldenBatch goldenBatch(AutoencoderSpec spec, Matrix heldOut, int[] labels, List<String> classes,
      float[] scores, ScoreKind kind) {
    int rows = Math.min(heldOut.rows(), Math.max(1, Math.min(GoldenBatch.TRAINED_ROWS,
        GoldenBatch.MAX_VALUES / heldOut.cols())));
    float[][] kept = new float[rows][];
    double mean = 0;
    for (int r = 0; r < rows; r++) {
      kept[r] = heldOut.row(r);
      mean += scores[r] / (double) rows;
    }
    java.util.List<String> names = null;
    if (labels != null) {
      names = new java.util.ArrayList<>();
      for (int r = 0; r < rows; r++) {
        names.add(spec.conditionLabels().get(labels[r]));
      }
    }
    List<String> kinds = classes != null ? List.copyOf(classes.subList(0, rows)) : names;
    return new GoldenBatch(kept, names, kind.id(), mean, kinds);
  }

  /** Held-out MSE, BCE (over all elements; autorec: observed ratings only) and default scores. */
  private static HeldOut score(Autoencoder model, Matrix heldOut, int[] labels) {
    AutoencoderSpec spec = model.spec();
    Conditions conditions = labels == null ? Conditions.NONE : Conditions.perRow(labels);
    float[] scores = Calibrator.scores(model, heldOut, null, conditions);
    double squared = 0;
    double crossEntropy = 0;
    long counted = 0;
    int chunk = 1024;
    for (int from = 0; from < heldOut.rows(); from += chunk) {
      int to = Math.min(heldOut.rows(), from + chunk);
      Matrix x = heldOut.slice(from, to);
      Conditions c = labels == null ? Conditions.NONE : Conditions.perRow(Arrays.copyOfRange(labels, from, to));
      Matrix out = model.reconstruct(x, ScoreKind.MSE, c).output();
      for (int i = 0; i < x.data().length; i++) {
        if (spec.family() == Family.AUTOREC && x.data()[i] == 0) {
          continue;
        }
        squared += ReconstructionLoss.MSE.element(x.data()[i], out.data()[i]);
        crossEntropy += ReconstructionLoss.BCE.element(x.data()[i], out.data()[i]);
        counted++;
      }
    }
    return new HeldOut(squared / Math.max(1, counted), crossEntropy / Math.max(1, counted), scores);
  }

  private static void requireRange(Matrix data, float low, float high, String message) {
    float[] v = data.data();
    for (int i = 0; i < v.length; i++) {
      if (v[i] < low || v[i] > high) {
        throw new InvalidInputException(message + "; row " + (i / data.cols()) + ", column "
            + (i % data.cols()) + " is " + v[i]);
      }
    }
  }
}
