package dev.aeserve.autoencoders.internal;

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
import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.TrainingProgress;
import dev.aeserve.autoencoders.WeightsArtifact;
import dev.aeserve.autoencoders.evaluation.HeldBackUsers;
import ai.djl.training.ParameterStore;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The training loop every family shares: Adam on the {@link Objective} through a
 * {@link TrainingGraph}, shuffled mini-batches, and every random draw (shuffling, initializer,
 * reparameterization noise, dae corruption, multvae dropout, contractive probes) from the run's
 * seed, so a rerun on the same engine repeats itself where the engine's kernels are deterministic.
 */
public final class FamilyTraining {
  private final AutoencoderSpec spec;
  private final TrainingConfig config;
  private final Architecture architecture;

  public FamilyTraining(AutoencoderSpec spec, TrainingConfig config) {
    this.spec = spec;
    this.config = config;
    this.architecture = Architecture.of(spec);
  }

  /**
   * The weights kept and their epoch's mean training loss.
   *
   * @param epochs epochs run (fewer than configured when early stopping ended training)
   * @param bestEpoch the epoch whose weights were kept (1-based)
   * @param validationNdcg multvae: NDCG@100 on the held-back users after each epoch, else empty
   */
  /**
   * @param trainLossCurve the mean training loss of each epoch run, in order
   * @param heldOutLossCurve the held-out loss after each epoch run (same space as the training loss)
   */
  public record Result(WeightsArtifact artifact, double finalTrainLoss, int epochs, int bestEpoch,
      java.util.List<Double> validationNdcg, java.util.List<Double> trainLossCurve,
      java.util.List<Double> heldOutLossCurve) {}

  /**
   * @param training rows the optimizer sees (raw, as a caller would send them)
   * @param trainingConditions a cvae's label index per training row, else null
   * @param heldOut rows only evaluated, for progress
   */
  public Result run(Matrix training, int[] trainingConditions, Matrix heldOut, int[] heldOutConditions,
      Random shuffle, TrainingProgress progress) {
    Engine engine = Engines.engine(config.engine());
    SequentialBlock encoder = architecture.newEncoder();
    SequentialBlock decoder = architecture.newDecoder();
    Objective objective = new Objective(spec);
    TrainingGraph graph = new TrainingGraph(encoder, decoder, new Shape(1, architecture.encoderInputWidth()),
        new Shape(1, architecture.decoderInputWidth()), objective);
    DefaultTrainingConfig djlConfig = new DefaultTrainingConfig(Loss.l2Loss())
        .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(config.learningRate())).build());
    SplittableRandom noise = new SplittableRandom(config.seed() ^ 0x5DEECE66DL);
    ReentrantLock lock = Engines.computeLock(config.engine());
    double trainLoss = Double.NaN;
    long step = 0;
    float beta = spec.beta() == null ? 0f : spec.beta().floatValue();
    int annealSteps = spec.klAnnealSteps() == null ? 0 : spec.klAnnealSteps();
    // Mult-VAE as its paper trains it: the epoch kept is the one ranking held-back users best.
    HeldBackUsers validation = spec.family() == Family.MULTVAE && config.patience() > 0
        ? HeldBackUsers.of(heldOut, config.seed()) : null;
    if (validation != null && validation.size() == 0) {
      validation = null;
    }
    java.util.List<Double> ndcgs = new java.util.ArrayList<>();
    java.util.List<Double> trainLosses = new java.util.ArrayList<>();
    java.util.List<Double> heldOutLosses = new java.util.ArrayList<>();
    WeightsArtifact best = null;
    double bestNdcg = Double.NEGATIVE_INFINITY;
    int bestEpoch = 0;
    double bestLoss = Double.NaN;
    int epochsRun = 0;
    try (Model model = engine.newModel("autoencoder", null)) {
      model.setBlock(graph);
      try (Trainer trainer = model.newTrainer(djlConfig)) {
        locked(lock, () -> {
          engine.setRandomSeed((int) config.seed());
          trainer.initialize(new Shape(1, architecture.encoderInputWidth()));
          return null;
        });
        int batches = (training.rows() + config.batchSize() - 1) / config.batchSize();
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
          int[] order = permutation(training.rows(), shuffle);
          double sum = 0;
          for (int b = 0; b < batches; b++) {
            int from = b * config.batchSize();
            int to = Math.min(training.rows(), from + config.batchSize());
            Matrix rows = gather(training, order, from, to);
            int[] conditions = gather(trainingConditions, order, from, to);
            long seed = noise.nextLong();
            objective.setBeta(annealSteps > 0 ? beta * Math.min(1f, (float) step / annealSteps) : beta);
            step++;
            sum += locked(lock, () -> step(trainer, rows, conditions, seed)) * (to - from);
            progress.onBatch(b + 1, batches);
          }
          trainLoss = sum / training.rows();
          objective.setBeta(beta);
          double heldOutLoss = locked(lock, () -> heldOutLoss(trainer, heldOut, heldOutConditions));
          epochsRun = epoch;
          trainLosses.add(trainLoss);
          heldOutLosses.add(heldOutLoss);
          if (validation != null) {
            HeldBackUsers users = validation;
            double ndcg = locked(lock, () -> users.ndcg(logits(trainer, encoder, decoder, users.foldIn())));
            ndcgs.add(ndcg);
            boolean better = ndcg > bestNdcg;
            if (better) {
              bestNdcg = ndcg;
              bestEpoch = epoch;
              bestLoss = trainLoss;
              best = locked(lock, () -> DenseBlocks.save(encoder, decoder));
            }
            progress.onValidation(epoch, "ndcg@100", ndcg, better);
          }
          progress.onEpoch(epoch, config.epochs(), trainLoss, heldOutLoss);
          if (validation != null && epoch - bestEpoch >= config.patience()) {
            break;
          }
        }
      }
      if (best != null) {
        return new Result(best, bestLoss, epochsRun, bestEpoch, ndcgs, trainLosses, heldOutLosses);
      }
      return new Result(DenseBlocks.save(encoder, decoder), trainLoss, epochsRun, epochsRun, ndcgs, trainLosses,
          heldOutLosses);
    }
  }

  /** Multvae's item logits for users' rows, through the posterior mean, as Recommend scores them. */
  private Matrix logits(Trainer trainer, SequentialBlock encoder, SequentialBlock decoder, Matrix users) {
    int rows = users.rows();
    float[] out = new float[rows * users.cols()];
    int chunk = 1024;
    for (int from = 0; from < rows; from += chunk) {
      int to = Math.min(rows, from + chunk);
      try (NDManager m = trainer.getManager().newSubManager()) {
        ParameterStore parameters = new ParameterStore(m, false);
        float[] in = Inputs.encoderInput(spec, users.slice(from, to).data(), to - from, null);
        NDArray h = encoder.forward(parameters,
            new NDList(EngineArrays.floats(m, in, new Shape(to - from, architecture.encoderInputWidth()))), false).singletonOrThrow();
        NDArray mean = h.split(2, 1).get(0);
        float[] logits = decoder.forward(parameters, new NDList(mean), false).singletonOrThrow().toFloatArray();
        System.arraycopy(logits, 0, out, from * users.cols(), logits.length);
      }
    }
    return new Matrix(rows, users.cols(), out);
  }

  private double step(Trainer trainer, Matrix rows, int[] conditions, long seed) {
    try (NDManager m = trainer.getManager().newSubManager()) {
      NDList batch = batch(m, rows, conditions, seed, true).toList();
      double value;
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray loss = trainer.forward(batch).singletonOrThrow();
        collector.backward(loss);
        value = loss.getFloat();
      }
      trainer.step();
      return value;
    }
  }

  private double heldOutLoss(Trainer trainer, Matrix heldOut, int[] conditions) {
    double sum = 0;
    int chunk = Math.max(config.batchSize(), 256);
    for (int from = 0; from < heldOut.rows(); from += chunk) {
      int to = Math.min(heldOut.rows(), from + chunk);
      try (NDManager m = trainer.getManager().newSubManager()) {
        int[] c = conditions == null ? null : java.util.Arrays.copyOfRange(conditions, from, to);
        NDList batch = batch(m, heldOut.slice(from, to), c, 0, false).toList();
        sum += trainer.evaluate(batch).singletonOrThrow().getFloat() * (to - from);
      }
    }
    return sum / heldOut.rows();
  }

  /** A batch in the blocks' space; {@code training} turns on corruption, dropout and noise. */
  private TrainingBatch batch(NDManager m, Matrix raw, int[] conditions, long seed, boolean training) {
    int rows = raw.rows();
    int cols = raw.cols();
    Family family = spec.family();
    StandardNormal random = new StandardNormal(seed);
    Matrix seen = training && family == Family.DAE ? spec.noise().apply(raw, random.nextSeed()) : raw;
    float[] encoderIn = Inputs.encoderInput(spec, seen.data(), rows, conditions);
    if (training && family == Family.MULTVAE && spec.inputDropout() > 0) {
      double keep = 1 - spec.inputDropout();
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          int i = r * architecture.encoderInputWidth() + c;
          encoderIn[i] = random.uniform() < keep ? (float) (encoderIn[i] / keep) : 0f;
        }
      }
    }
    float[] target = family.recommender() || spec.standardization() == null ? raw.data()
        : spec.standardization().apply(raw.data());
    NDArray zeros = m.zeros(new Shape(rows, 1));
    NDArray noise = zeros;
    if (family.variational() && training) {
      noise = EngineArrays.floats(m, gaussian(random, rows * spec.latentDim()), new Shape(rows, spec.latentDim()));
    } else if (family.variational()) {
      noise = m.zeros(new Shape(rows, spec.latentDim()));
    }
    NDArray conditionArray = zeros;
    if (spec.conditionCount() > 0) {
      float[] oneHot = Inputs.withOneHot(new float[0], rows, 0, conditions, spec.conditionCount());
      conditionArray = EngineArrays.floats(m, oneHot, new Shape(rows, spec.conditionCount()));
    }
    NDArray mask = zeros;
    if (family == Family.AUTOREC) {
      float[] observed = new float[raw.data().length];
      for (int i = 0; i < observed.length; i++) {
        observed[i] = raw.data()[i] != 0 ? 1f : 0f;
      }
      mask = EngineArrays.floats(m, observed, new Shape(rows, cols));
    }
    NDArray direction = zeros;
    if (spec.regularization() != null && spec.regularization().contractive() > 0) {
      int width = architecture.encoderInputWidth();
      direction = EngineArrays.floats(m, gaussian(random, rows * width), new Shape(rows, width));
    }
    return new TrainingBatch(EngineArrays.floats(m, encoderIn, new Shape(rows, architecture.encoderInputWidth())),
        EngineArrays.floats(m, target, new Shape(rows, cols)), noise, conditionArray, mask, direction);
  }

  private static float[] gaussian(StandardNormal random, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.next();
    }
    return out;
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

  public static int[] permutation(int n, Random random) {
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

  public static Matrix gather(Matrix data, int[] order, int from, int to) {
    int cols = data.cols();
    float[] out = new float[(to - from) * cols];
    for (int i = from; i < to; i++) {
      System.arraycopy(data.data(), order[i] * cols, out, (i - from) * cols, cols);
    }
    return new Matrix(to - from, cols, out);
  }

  public static int[] gather(int[] values, int[] order, int from, int to) {
    if (values == null) {
      return null;
    }
    int[] out = new int[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = values[order[i]];
    }
    return out;
  }

  public static java.util.List<String> gather(java.util.List<String> values, int[] order, int from, int to) {
    java.util.List<String> out = new java.util.ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      out.add(values.get(order[i]));
    }
    return out;
  }
}
