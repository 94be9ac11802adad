package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.Calibration;
import dev.aeserve.autoencoders.Conditions;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.InvalidInputException;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.ItemVocabulary;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.TrainingMetrics;
import dev.aeserve.autoencoders.data.Datasets;
import dev.aeserve.autoencoders.data.MovieLensReader;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.autoencoders.evaluation.StrongGeneralization;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.VersionInfo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code aeserve train}: trains a model on a data file and registers it through a server. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train an autoencoder on an IDX or CSV file and register it as a new version.")
final class TrainCommand implements Runnable {

  @Option(names = "--family", defaultValue = "ae",
      description = "ae, dae, vae, cvae, conv_ae, autorec, multvae or ease (default: ${DEFAULT-VALUE}).")
  String family;

  @Option(names = "--data", required = true, paramLabel = "FILE",
      description = "Training data: IDX images (.gz ok) or numeric CSV; for autorec, multvae and ease a MovieLens ratings file.")
  Path data;

  @Option(names = "--labels", paramLabel = "FILE",
      description = "A label per row, an IDX label file or one label per line: a cvae's conditions (labels: the distinct "
          + "values); for other families the class of each row, kept with the held-out examples so the console colours "
          + "its latent map by class (never trained on).")
  Path labels;

  @Option(names = "--min-users", defaultValue = "1", paramLabel = "N",
      description = "Recommenders: items rated by fewer training users are left out of the vocabulary (default: ${DEFAULT-VALUE}).")
  int minUsers;

  @Mixin
  FamilyOptions architecture;

  @Mixin
  RecommenderSplit split;

  @Option(names = "--register", paramLabel = "NAME", description = "Register the result as a new version of this model.")
  String register;

  @Option(names = "--description", defaultValue = "", description = "Model description, when the model is created.")
  String description;

  @Option(names = "--epochs", description = "Epochs (default: 10; multvae: at most " + MULTVAE_MAX_EPOCHS
      + ", stopping " + TrainingConfig.DEFAULT_PATIENCE + " epochs after the best validation NDCG@100).")
  Integer epochs;

  @Option(names = "--patience", defaultValue = "" + TrainingConfig.DEFAULT_PATIENCE, paramLabel = "N",
      description = "multvae: stop after N epochs without a better validation NDCG@100 and keep the best epoch;"
          + " 0 trains every epoch (default: ${DEFAULT-VALUE}).")
  int patience;

  /** Multvae's ceiling when --epochs is not given: early stopping picks the epoch. */
  static final int MULTVAE_MAX_EPOCHS = 200;

  @Option(names = "--batch-size", defaultValue = "64", description = "Rows per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  float learningRate;

  @Option(names = "--held-out", defaultValue = "0.1", description = "Share of rows held out for evaluation (default: ${DEFAULT-VALUE}).")
  double heldOut;

  @Option(names = "--max-rows", description = "Train on the first N rows only.")
  Integer maxRows;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--engine", defaultValue = "mxnet", description = "mxnet or pytorch (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--save", paramLabel = "DIR", description = "Also write spec.json, metrics.json and weights.bin here.")
  Path save;

  @Mixin
  ServerOption server;

  @Override
  public void run() {
    Family f;
    TrainingConfig config;
    try {
      f = Family.fromId(family);
      int e = epochs != null ? epochs : f == Family.MULTVAE ? MULTVAE_MAX_EPOCHS : 10;
      config = new TrainingConfig(e, batchSize, learningRate, heldOut, seed, EngineKind.parse(engine), patience);
    } catch (IllegalArgumentException | InvalidSpecException e) {
      throw new CliException(e.getMessage());
    }
    TrainingSet set = f.recommender() ? ratingsSet(f) : rowsSet(f);
    AutoencoderSpec spec = set.spec();
    PrintStream err = System.err;
    err.printf(Locale.ROOT, "Training %s %d-%s%d on %d rows of %s (%s, %s loss)%n", spec.family().id(), spec.inputDim(),
        spec.hiddenLayers().stream().map(w -> w + "-").reduce("", String::concat), spec.latentDim(),
        set.rows().rows(), data, config.engine().djlName(), spec.loss());
    TrainedModel trained;
    try {
      trained = new AutoencoderTrainer(config).train(spec, set.rows(), set.conditions(), set.classes(),
          new ProgressBar(err, config.epochs()));
    } catch (InvalidInputException | InvalidSpecException e) {
      throw new CliException(e.getMessage(), e);
    }
    printMetrics(System.out, trained.metrics());
    printCalibration(System.out, trained.calibration());
    if (save != null) {
      write(save, trained);
    }
    if (register != null) {
      try (AeserveClient client = server.connect()) {
        VersionInfo v = Registration.register(client, register, description, trained);
        System.out.println("registered " + v.getModel() + ":" + v.getVersion() + " (sha256 " + v.getArtifactSha256()
            .substring(0, 12) + ", " + v.getSizeBytes() + " bytes)");
      }
    }
  }

  /** What the trainer gets: the rows, a cvae's conditions, and the spec that fits them. */
  private record TrainingSet(AutoencoderSpec spec, Matrix rows, Conditions conditions, List<String> classes) {}

  private TrainingSet rowsSet(Family f) {
    Matrix rows = read(data, maxRows);
    List<String> names = null;
    Conditions conditions = Conditions.NONE;
    if (f == Family.CVAE && labels != null) {
      List<String> perRow = LabelFile.read(labels, rows.rows());
      names = LabelFile.names(perRow);
      int[] indices = new int[perRow.size()];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = names.indexOf(perRow.get(i));
      }
      conditions = Conditions.perRow(indices);
    }
    // Other families are not conditioned on labels: they only name what each example row is.
    List<String> classes = f != Family.CVAE && labels != null ? LabelFile.read(labels, rows.rows()) : null;
    return new TrainingSet(architecture.spec(f, rows.cols(), inUnitRange(rows), names), rows, conditions, classes);
  }

  /**
   * A recommender trains on users' rows over an item vocabulary. With {@code --held-out-users} it
   * trains only on the users the strong-generalization split keeps, so {@code aeserve evaluate}
   * with the same split flags scores users it never saw.
   */
  private TrainingSet ratingsSet(Family f) {
    Ratings ratings = readRatings(data, f.id(), split.threshold);
    requireRatings(ratings, f);
    if (split.heldOutUsers > 0) {
      StrongGeneralization.Split s = split.split(ratings);
      System.err.printf(Locale.ROOT, "Holding out %d users (split seed %d) for aeserve evaluate%n", s.test().size(),
          split.splitSeed);
      ratings = s.training();
    }
    List<String> items = ratings.itemsByPopularity(minUsers);
    if (items.size() < 2) {
      throw new CliException(data + ": fewer than 2 items rated by at least " + minUsers + " users");
    }
    ItemVocabulary vocabulary = new ItemVocabulary(items);
    Matrix rows = ratings.matrix(vocabulary);
    if (maxRows != null && maxRows < rows.rows()) {
      rows = rows.slice(0, maxRows);
    }
    int trainingRows = rows.rows() - (int) Math.round(rows.rows() * heldOut);
    int stepsPerEpoch = Math.max(1, (trainingRows + batchSize - 1) / batchSize);
    if (labels != null) {
      throw new CliException("--labels is for rows of features; family '" + f.id() + "' trains on ratings");
    }
    return new TrainingSet(architecture.recommenderSpec(f, items, stepsPerEpoch), rows, Conditions.NONE, null);
  }

  /** Implicit-feedback families read interactions: ratings at or above {@code --threshold}. */
  static boolean implicit(Family f) {
    return f == Family.MULTVAE || f == Family.EASE;
  }

  /**
   * MovieLens ratings; binarized at {@code threshold} for multvae and ease, whose input is implicit
   * feedback. A threshold that keeps no rating is refused with what it removed.
   */
  static Ratings readRatings(Path file, String family, float threshold) {
    if (!Files.isReadable(file)) {
      throw new CliException("cannot read " + file);
    }
    Ratings r;
    try {
      r = MovieLensReader.read(file);
    } catch (IOException | RuntimeException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!implicit(Family.fromId(family))) {
      return r;
    }
    Ratings kept = r.binarized(threshold);
    if (kept.size() == 0) {
      double max = r.all().stream().mapToDouble(x -> x.value()).max().orElse(0);
      double min = r.all().stream().mapToDouble(x -> x.value()).min().orElse(0);
      throw new CliException(String.format(Locale.ROOT, "%s: --threshold %s removed every rating (%d ratings, values"
          + " %s to %s; %s keeps ratings >= the threshold as interactions). For implicit data (every value 1) use"
          + " --threshold 1", file, fmt(threshold), r.size(), fmt(min), fmt(max), family));
    }
    return kept;
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }

  /**
   * AutoRec regresses rating values: on implicit data (every value the same) it learns a constant
   * and ranks at chance, so it is refused with the families that model implicit feedback.
   */
  private void requireRatings(Ratings ratings, Family f) {
    if (f != Family.AUTOREC) {
      return;
    }
    double first = ratings.all().get(0).value();
    if (ratings.all().stream().allMatch(x -> x.value() == first)) {
      throw new CliException(data + ": every rating is " + fmt(first) + ", which is implicit feedback; autorec predicts"
          + " explicit rating values and would learn a constant (ranking at chance). Train --family multvae or"
          + " --family ease on implicit data");
    }
  }

  static boolean inUnitRange(Matrix rows) {
    for (float v : rows.data()) {
      if (v < 0 || v > 1) {
        return false;
      }
    }
    return true;
  }

  static void printCalibration(PrintStream out, Calibration c) {
    if (c == null) {
      out.println("no calibration (Reconstruct will not flag anomalies)");
    } else {
      out.printf(Locale.ROOT, "calibration: anomalous when %s > %.6f (%s)%n", c.scoreKind(), c.threshold(),
          c.description());
    }
  }

  static Matrix read(Path file, Integer maxRows) {
    if (!Files.isReadable(file)) {
      throw new CliException("cannot read " + file);
    }
    try {
      Matrix m = Datasets.read(file);
      return maxRows != null && maxRows < m.rows() ? m.slice(0, maxRows) : m;
    } catch (IOException e) {
      throw new CliException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  static void printMetrics(PrintStream out, TrainingMetrics m) {
    out.printf(Locale.ROOT, "held-out reconstruction MSE %.6f%s over %d rows (trained on %d rows, %d epochs, %.1f s)%n",
        m.heldOutMse(), m.heldOutBce() == null ? "" : String.format(Locale.ROOT, ", BCE %.6f", m.heldOutBce()),
        m.rowsHeldOut(), m.rowsTrained(), m.epochs(), m.seconds());
    if (m.bestEpoch() != null && m.validationNdcg() != null) {
      out.printf(Locale.ROOT, "kept epoch %d of %d: validation NDCG@100 %.4f on the held-out users%n", m.bestEpoch(),
          m.epochs(), m.validationNdcg().get(m.bestEpoch() - 1));
    }
    if (m.lambdaNdcg() != null && !m.lambdaNdcg().isEmpty()) {
      StringBuilder s = new StringBuilder();
      m.lambdaNdcg().forEach((l, v) -> s.append(String.format(Locale.ROOT, " %s:%.4f", l, v)));
      out.println("ease validation NDCG@100 by lambda:" + s);
    }
    if (m.anomalyScoreAuroc() != null) {
      StringBuilder s = new StringBuilder();
      m.anomalyScoreAuroc().forEach((k, v) -> s.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
      out.printf(Locale.ROOT, "default anomaly score %s (AUROC, held-out rows vs generated off-distribution rows:%s)%n",
          m.scoreKind(), s);
    }
  }

  private static void write(Path dir, TrainedModel trained) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("spec.json"), trained.spec().toJson());
      Files.writeString(dir.resolve("metrics.json"), trained.metrics().toJson());
      Files.write(dir.resolve("weights.bin"), trained.weights());
    } catch (IOException e) {
      throw new CliException("cannot write " + dir + ": " + e.getMessage(), e);
    }
  }
}
