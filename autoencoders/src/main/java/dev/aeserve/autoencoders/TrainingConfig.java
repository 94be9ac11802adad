package dev.aeserve.autoencoders;

import java.util.Objects;

/**
 * How to train: immutable and checked when built.
 *
 * @param epochs passes over the training rows, at least 1
 * @param batchSize rows per optimizer step, at least 1
 * @param learningRate Adam's step size, finite and positive
 * @param heldOutFraction share of rows set aside before training and never trained on, in (0, 1)
 * @param seed seeds the split, the shuffling and the engine's initializer
 * @param engine the DJL engine to train on
 * @param patience multvae: stop after this many epochs without a better validation NDCG@100 and
 *     keep the best epoch's weights, so {@code epochs} is a ceiling; 0 trains every epoch and
 *     keeps the last
 */
public record TrainingConfig(int epochs, int batchSize, float learningRate, double heldOutFraction, long seed,
    EngineKind engine, int patience) {

  public static final double DEFAULT_HELD_OUT_FRACTION = 0.1;
  public static final int DEFAULT_PATIENCE = 10;

  /** With early stopping after {@value #DEFAULT_PATIENCE} epochs without improvement. */
  public TrainingConfig(int epochs, int batchSize, float learningRate, double heldOutFraction, long seed,
      EngineKind engine) {
    this(epochs, batchSize, learningRate, heldOutFraction, seed, engine, DEFAULT_PATIENCE);
  }

  public TrainingConfig {
    Objects.requireNonNull(engine, "engine");
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be >= 0, got " + patience);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
      throw new IllegalArgumentException("learningRate must be finite and positive, got " + learningRate);
    }
    if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
      throw new IllegalArgumentException("heldOutFraction must be in (0, 1), got " + heldOutFraction);
    }
  }

  /** 20 epochs of 64 rows at 1e-3, 10% held out, seed 42, on MXNet. */
  public static TrainingConfig defaults() {
    return new TrainingConfig(20, 64, 1e-3f, DEFAULT_HELD_OUT_FRACTION, 42, EngineKind.MXNET);
  }

  public TrainingConfig withEpochs(int e) {
    return new TrainingConfig(e, batchSize, learningRate, heldOutFraction, seed, engine, patience);
  }

  public TrainingConfig withBatchSize(int b) {
    return new TrainingConfig(epochs, b, learningRate, heldOutFraction, seed, engine, patience);
  }

  public TrainingConfig withLearningRate(float lr) {
    return new TrainingConfig(epochs, batchSize, lr, heldOutFraction, seed, engine, patience);
  }

  public TrainingConfig withHeldOutFraction(double f) {
    return new TrainingConfig(epochs, batchSize, learningRate, f, seed, engine, patience);
  }

  public TrainingConfig withSeed(long s) {
    return new TrainingConfig(epochs, batchSize, learningRate, heldOutFraction, s, engine, patience);
  }

  public TrainingConfig withEngine(EngineKind e) {
    return new TrainingConfig(epochs, batchSize, learningRate, heldOutFraction, seed, e, patience);
  }

  public TrainingConfig withPatience(int p) {
    return new TrainingConfig(epochs, batchSize, learningRate, heldOutFraction, seed, engine, p);
  }
}
