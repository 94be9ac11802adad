package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.Datasets;
import dev.aeserve.autoencoders.data.IdxReader;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.VersionInfo;
import dev.aeserve.proto.v1.VersionState;
import dev.aeserve.server.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve demo}: one command from nothing to a serving model. Starts the embedded Postgres
 * and the server, trains and registers a small dense autoencoder the first time (on Fashion-MNIST
 * when the Debian package is installed, else on generated data), and prints calls to try. A second
 * start finds the model in the registry and serves it at once.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run a demo server with a trained model.")
final class DemoCommand implements Runnable {

  static final String FASHION_MODEL = "fashion-ae";
  static final String SYNTHETIC_MODEL = "demo-ae";

  @Option(names = "--port", defaultValue = "50051", description = "gRPC port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--engine", defaultValue = "mxnet", description = "mxnet or pytorch (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--epochs", defaultValue = "5", description = "Training epochs on first start (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Mixin
  DatabaseOptions database;

  @Override
  public void run() {
    PrintStream out = System.out;
    ServerConfig config = ServeCommand.config("127.0.0.1", port, engine, 8192, true);
    Optional<Path> fashion = fashionMnistTrainImages();
    String model = fashion.isPresent() ? FASHION_MODEL : SYNTHETIC_MODEL;
    Path demoDir = database.dataDirOrDefault().resolveSibling("demo");
    try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
      ServeCommand.runUntilShutdown(backend, config, () -> {
        String target = "127.0.0.1:" + port;
        try (AeserveClient client = AeserveClient.builder(target).actor("aeserve-demo").build()) {
          Matrix data = load(fashion);
          if (hasReadyVersion(client, model)) {
            out.println("Reusing model '" + model + "' from the registry.");
          } else {
            register(client, model, fashion.isPresent(), data, config.engine());
          }
          Path sample = writeSample(demoDir, data);
          printWelcome(out, client, target, model, sample, data.row(0));
        }
      });
    }
  }

  private static boolean hasReadyVersion(AeserveClient client, String model) {
    return client.listModels().stream().anyMatch(m -> m.getName().equals(model))
        && client.listVersions(model).stream().anyMatch(v -> v.getState() == VersionState.VERSION_STATE_READY);
  }

  private void register(AeserveClient client, String model, boolean images, Matrix data, EngineKind engineKind) {
    AutoencoderSpec spec = images
        ? AutoencoderSpec.dense(data.cols(), List.of(128, 64), 32, "sigmoid", "bce")
        : AutoencoderSpec.dense(data.cols(), List.of(32, 16), 4, "sigmoid", "mse");
    TrainingConfig config = new TrainingConfig(epochs, 64, 1e-3f, 0.1, 42, engineKind);
    System.err.println("Training '" + model + "' (" + spec.inputDim() + "-" + spec.hiddenLayers() + "-" + spec.latentDim()
        + ") on " + data.rows() + (images ? " Fashion-MNIST images" : " generated rows") + " ...");
    TrainedModel trained = new AutoencoderTrainer(config).train(spec, data, new ProgressBar(System.err, epochs));
    TrainCommand.printMetrics(System.out, trained.metrics());
    String description = images ? "dense autoencoder on Fashion-MNIST (aeserve demo)"
        : "dense autoencoder on generated data (aeserve demo)";
    VersionInfo v = Registration.register(client, model, description, trained);
    client.setAlias(model, "production", v.getVersion());
    System.out.println("Registered " + v.getModel() + ":" + v.getVersion() + " and pointed @production at it.");
  }

  private static Matrix load(Optional<Path> fashion) {
    if (fashion.isPresent()) {
      try {
        return IdxReader.readImages(fashion.get(), 12_000);
      } catch (IOException e) {
        throw new CliException("cannot read " + fashion.get() + ": " + e.getMessage(), e);
      }
    }
    return SyntheticData.manifold(4_000, 64, 7);
  }

  private static Optional<Path> fashionMnistTrainImages() {
    if (!Files.isDirectory(Datasets.FASHION_MNIST_DIR)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(Datasets.FASHION_MNIST_DIR)) {
      return files.filter(p -> p.getFileName().toString().startsWith("train-images")).sorted().findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Path writeSample(Path dir, Matrix data) {
    try {
      Files.createDirectories(dir);
      Path sample = dir.resolve("sample.csv");
      try (PrintStream ps = new PrintStream(Files.newOutputStream(sample))) {
        Csv.write(ps, data.slice(0, Math.min(5, data.rows())).toArray());
      }
      return sample;
    } catch (IOException e) {
      throw new CliException("cannot write the sample input under " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void printWelcome(PrintStream out, AeserveClient client, String target, String model, Path sample,
      float[] firstRow) {
    out.println();
    out.println("aeserve demo is SERVING on " + target);
    out.println("Registered models:");
    client.listModels().forEach(m -> out.println("  " + m.getName() + " (" + m.getFamily() + ") "
        + client.listVersions(m.getName()).size() + " version(s): " + m.getDescription()));
    out.println();
    out.println("Try, from another terminal:");
    out.println("  ./aeserve models list");
    out.println("  ./aeserve versions list " + model);
    out.println("  ./aeserve encode --model " + model + "@production --input " + sample);
    out.println("  ./aeserve reconstruct --model " + model + " --input " + sample);
    out.println("  grpcurl -plaintext " + target + " grpc.health.v1.Health/Check");
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < firstRow.length; i++) {
      values.append(i == 0 ? "" : ",").append(firstRow[i]);
    }
    out.println("  grpcurl -plaintext -d '{\"model\":{\"name\":\"" + model + "\"},\"inputs\":{\"rows\":1,\"cols\":"
        + firstRow.length + ",\"values\":[" + values + "]}}' " + target + " aeserve.v1.Autoencoder/Encode");
    out.println();
  }
}
