package dev.aeserve.autoencoders;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.aeserve.autoencoders.internal.BinaryCrossEntropy;
import dev.aeserve.autoencoders.internal.DenseBlocks;
import dev.aeserve.autoencoders.internal.Engines;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Trains a dense autoencoder on a DJL engine: Adam, the spec's loss (MSE, or clamped BCE on the
 * sigmoid output, see {@link BinaryCrossEntropy}), shuffled mini-batches, and a held-out split
 * drawn before training that the optimizer never sees. The final metrics come from loading the
 * produced artifact and scoring the held-out rows exactly as Reconstruct would, so they also
 * prove the artifact loads.
 *
 * <p>Runs are seeded: the split, the shuffling and the engine's initializer follow
 * {@link TrainingConfig#seed}, so a rerun on the same engine gives the same weights where the
 * engine's kernels are deterministic (CPU, one run at a time; the engine seed is process-wide).
 */
public final class AutoencoderTrainer {
  private final TrainingConfig config;

  public AutoencoderTrainer(TrainingConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  public TrainingConfig config() {
    return config;
  }

  public TrainedModel train(AutoencoderSpec spec, Matrix data) {
    return train(spec, data, TrainingProgress.NONE);
  }

  /**
   * @throws InvalidInputException when the data does not fit the spec (width, non-finite values,
   *     too few rows, values outside [0, 1] for bce)
   * @throws InvalidSpecException for bce together with standardization, whose targets would not
   *     be probabilities
   */
  public TrainedModel train(AutoencoderSpec spec, Matrix data, TrainingProgress progress) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(progress, "progress");
    InputValidation.requireInput(spec, data);
    ReconstructionLoss lossKind = ReconstructionLoss.of(spec);
    if (lossKind == ReconstructionLoss.BCE) {
      if (spec.standardization() != null) {
        throw new InvalidSpecException("loss bce cannot train on standardized inputs; drop the standardization or use mse");
      }
      requireUnitInterval(data);
    }
    int heldOutRows = (int) Math.round(data.rows() * config.heldOutFraction());
    if (heldOutRows < 1 || data.rows() - heldOutRows < 1) {
      throw new InvalidInputException("need at least one training and one held-out row; " + data.rows()
          + " rows with heldOutFraction " + config.heldOutFraction() + " gives " + heldOutRows + " held out");
    }

    long started = System.nanoTime();
    Random random = new Random(config.seed());
    int[] order = permutation(data.rows(), random);
    Matrix heldOut = gather(data, order, 0, heldOutRows);
    Matrix training = gather(data, order, heldOutRows, data.rows());
    float[] trainStd = standardize(spec, training);
    float[] heldOutStd = standardize(spec, heldOut);

    Engine engine = Engines.engine(config.engine());
    SequentialBlock encoder = DenseBlocks.encoder(spec);
    SequentialBlock decoder = DenseBlocks.decoder(spec);
    SequentialBlock autoencoder = new SequentialBlock().add(encoder).add(decoder);
    Loss loss = lossKind == ReconstructionLoss.MSE
        ? Loss.l2Loss("mse", 1f) // weight 1: DJL's default L2 loss is half the squared error
        : new BinaryCrossEntropy();
    DefaultTrainingConfig djlConfig = new DefaultTrainingConfig(loss)
        .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(config.learningRate())).build());

    ReentrantLock computeLock = Engines.computeLock(config.engine());
    double trainLoss = Double.NaN;
    WeightsArtifact artifact;
    try (Model model = engine.newModel("autoencoder", null)) {
      model.setBlock(autoencoder);
      try (Trainer trainer = model.newTrainer(djlConfig)) {
        locked(computeLock, () -> {
          engine.setRandomSeed((int) config.seed());
          trainer.initialize(new Shape(1, spec.inputDim()));
          return null;
        });
        int cols = spec.inputDim();
        int batches = (training.rows() + config.batchSize() - 1) / config.batchSize();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
          int[] shuffled = permutation(training.rows(), random);
          double sum = 0;
          for (int b = 0; b < batches; b++) {
            int from = b * config.batchSize();
            int to = Math.min(training.rows(), from + config.batchSize());
            float[] batch = rows(trainStd, cols, shuffled, from, to);
            sum += locked(computeLock, () -> step(trainer, loss, batch, to - from, cols)) * (to - from);
            progress.onBatch(b + 1, batches);
          }
          trainLoss = sum / training.rows();
          double heldOutLoss = locked(computeLock, () -> heldOutLoss(trainer, loss, heldOutStd, heldOutRows, cols));
          progress.onEpoch(epoch, config.epochs(), trainLoss, heldOutLoss);
        }
      }
      artifact = DenseBlocks.save(encoder, decoder);
    }

    byte[] weights = artifact.toBytes();
    Evaluation evaluation;
    try (Autoencoder trained = Autoencoders.load(spec, weights, config.engine())) {
      evaluation = new Evaluator(Math.max(config.batchSize(), 256)).evaluate(trained, heldOut);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    TrainingMetrics metrics = new TrainingMetrics(lossKind.id(), trainLoss, evaluation.mse(),
        lossKind == ReconstructionLoss.BCE ? evaluation.bce() : null, training.rows(), heldOut.rows(),
        config.epochs(), seconds, config.engine());
    return new TrainedModel(spec, weights, metrics);
  }

  /** One optimizer step on one batch; returns the batch's mean loss. */
  private static double step(Trainer trainer, Loss loss, float[] batch, int rows, int cols) {
    try (NDManager step = trainer.getManager().newSubManager()) {
      NDList target = new NDList(step.create(batch, new Shape(rows, cols)));
      double value;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray l = loss.evaluate(target, trainer.forward(target));
        collector.backward(l);
        value = l.getFloat();
      }
      trainer.step();
      return value;
    }
  }

  /** MXNet work holds the process-wide compute lock one step at a time, so serving interleaves. */
  private static <T> T locked(ReentrantLock lock, Supplier<T> work) {
    if (lock == null) {
      return work.get();
    }
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  private double heldOutLoss(Trainer trainer, Loss loss, float[] heldOut, int rows, int cols) {
    double sum = 0;
    int chunk = Math.max(config.batchSize(), 256);
    for (int from = 0; from < rows; from += chunk) {
      int to = Math.min(rows, from + chunk);
      try (NDManager m = trainer.getManager().newSubManager()) {
        float[] slice = new float[(to - from) * cols];
        System.arraycopy(heldOut, from * cols, slice, 0, slice.length);
        NDList x = new NDList(m.create(slice, new Shape(to - from, cols)));
        sum += loss.evaluate(x, trainer.evaluate(x)).getFloat() * (to - from);
      }
    }
    return sum / rows;
  }

  private static void requireUnitInterval(Matrix data) {
    float[] v = data.data();
    for (int i = 0; i < v.length; i++) {
      if (v[i] < 0 || v[i] > 1) {
        throw new InvalidInputException("loss bce needs inputs in [0, 1]; row " + (i / data.cols()) + ", column "
            + (i % data.cols()) + " is " + v[i]);
      }
    }
  }

  private static int[] permutation(int n, Random random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private static Matrix gather(Matrix data, int[] order, int from, int to) {
    int cols = data.cols();
    float[] out = new float[(to - from) * cols];
    for (int i = from; i < to; i++) {
      System.arraycopy(data.data(), order[i] * cols, out, (i - from) * cols, cols);
    }
    return new Matrix(to - from, cols, out);
  }

  private static float[] rows(float[] data, int cols, int[] order, int from, int to) {
    float[] out = new float[(to - from) * cols];
    for (int i = from; i < to; i++) {
      System.arraycopy(data, order[i] * cols, out, (i - from) * cols, cols);
    }
    return out;
  }

  private static float[] standardize(AutoencoderSpec spec, Matrix x) {
    AutoencoderSpec.Standardization s = spec.standardization();
    return s == null ? x.data() : s.apply(x.data());
  }
}
