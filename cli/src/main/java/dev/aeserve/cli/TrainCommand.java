package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.TrainingMetrics;
import dev.aeserve.autoencoders.data.Datasets;
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

  @Option(names = "--family", defaultValue = "ae", description = "Model family (default: ${DEFAULT-VALUE}).")
  String family;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training data: IDX images (.gz ok) or numeric CSV.")
  Path data;

  @Option(names = "--register", paramLabel = "NAME", description = "Register the result as a new version of this model.")
  String register;

  @Option(names = "--description", defaultValue = "", description = "Model description, when the model is created.")
  String description;

  @Option(names = "--hidden", split = ",", defaultValue = "128,64", description = "Encoder hidden layer widths (default: ${DEFAULT-VALUE}).")
  List<Integer> hidden;

  @Option(names = "--latent", defaultValue = "32", description = "Latent size (default: ${DEFAULT-VALUE}).")
  int latent;

  @Option(names = "--loss", description = "mse or bce (default: bce when every value is in [0, 1], else mse).")
  String loss;

  @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

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
    Matrix rows = read(data, maxRows);
    AutoencoderSpec spec = spec(Family.fromId(family), rows, hidden, latent, loss);
    TrainingConfig config;
    try {
      config = new TrainingConfig(epochs, batchSize, learningRate, heldOut, seed, EngineKind.parse(engine));
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    PrintStream err = System.err;
    err.printf(Locale.ROOT, "Training %s %d-%s-%d on %d rows of %s (%s, %s loss)%n", spec.family().id(), spec.inputDim(),
        spec.hiddenLayers().stream().map(String::valueOf).reduce((a, b) -> a + "-" + b).orElse(""), spec.latentDim(),
        rows.rows(), data, config.engine().djlName(), spec.loss());
    TrainedModel trained = new AutoencoderTrainer(config).train(spec, rows, new ProgressBar(err, config.epochs()));
    printMetrics(System.out, trained.metrics());
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

  /** A dense spec for {@code rows}: sigmoid output and BCE when the data lie in [0, 1]. */
  static AutoencoderSpec spec(Family family, Matrix rows, List<Integer> hidden, int latent, String loss) {
    boolean unit = true;
    for (float v : rows.data()) {
      if (v < 0 || v > 1) {
        unit = false;
        break;
      }
    }
    String chosenLoss = loss != null ? loss : unit ? "bce" : "mse";
    String output = unit ? "sigmoid" : "identity";
    return new AutoencoderSpec(family, rows.cols(), latent, hidden, "relu", output, chosenLoss, null);
  }

  static void printMetrics(PrintStream out, TrainingMetrics m) {
    out.printf(Locale.ROOT, "held-out reconstruction MSE %.6f%s over %d rows (trained on %d rows, %d epochs, %.1f s)%n",
        m.heldOutMse(), m.heldOutBce() == null ? "" : String.format(Locale.ROOT, ", BCE %.6f", m.heldOutBce()),
        m.rowsHeldOut(), m.rowsTrained(), m.epochs(), m.seconds());
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
