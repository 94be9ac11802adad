package dev.aeserve.cli;

import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Family;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.Datasets;
import dev.aeserve.autoencoders.data.IdxReader;
import dev.aeserve.autoencoders.data.Rating;
import dev.aeserve.autoencoders.data.Ratings;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.ModelDetails;
import dev.aeserve.proto.v1.VersionInfo;
import dev.aeserve.proto.v1.VersionState;
import dev.aeserve.server.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aeserve demo}: one command from nothing to serving every family. Starts the embedded
 * Postgres and the server, trains and registers one small model per family the first time (images
 * from Fashion-MNIST when the Debian package is installed, else generated data; generated ratings
 * for the recommenders), points {@code @production} at each, and prints calls to try. A later start
 * finds the models in the registry and trains only the families that are missing.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run a demo server with one model per family.")
final class DemoCommand implements Runnable {

  /** Enough images to learn from in seconds on two cores. */
  static final int FASHION_ROWS = 4_000;
  static final int RECOMMENDER_EPOCHS = 30;

  /** The port every other command's --server defaults to. */
  static final int DEFAULT_PORT = 50051;

  @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, description = "gRPC port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--engine", defaultValue = "mxnet", description = "mxnet or pytorch (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--epochs", defaultValue = "5", description = "Training epochs on first start (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--console-port", defaultValue = "0", paramLabel = "PORT",
      description = "Port of the web console; 0 picks a free one, -1 turns it off (default: ${DEFAULT-VALUE}).")
  int consolePort;

  @Option(names = "--generated", description = "Train the image families on generated data even when Fashion-MNIST is installed.")
  boolean generated;

  @Mixin
  DatabaseOptions database;

  @Override
  public void run() {
    PrintStream out = System.out;
    ServerConfig config = ServeCommand.config("127.0.0.1", port, engine, 8192, true);
    try {
      config = config.withConsolePort(consolePort);
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    ServerConfig served = config;
    Optional<Path> fashion = generated ? Optional.empty() : fashionMnistTrainImages();
    // Inside the data directory, so that two demos with two --data-dir never share their files.
    Path demoDir = database.dataDirOrDefault().resolve("demo");
    try (RegistryBackend backend = RegistryBackend.open(database, System.err)) {
      ServeCommand.runUntilShutdown(backend, served, server -> {
        String target = "127.0.0.1:" + port;
        try (AeserveClient client = AeserveClient.builder(target).actor("aeserve-demo").build()) {
          Ratings ratings = DemoModels.ratings();
          Matrix images = load(fashion);
          List<DemoModels.DemoModel> catalog = DemoModels.catalog(images, classes(fashion, images), ratings);
          Map<Family, String> names = new TreeMap<>();
          Map<Family, Path> inputs = new TreeMap<>();
          for (DemoModels.DemoModel m : catalog) {
            ensureRegistered(client, m, served.engine(), out);
            names.put(m.family(), m.name());
            if (m.input() != null) {
              inputs.put(m.family(), write(demoDir.resolve(m.name() + ".csv"), m.input()));
            }
          }
          Path endpoints = write(demoDir.resolve(names.get(Family.VAE) + "-endpoints.csv"),
              catalog.stream().filter(m -> m.family() == Family.VAE).findFirst().orElseThrow().input().slice(0, 2));
          Path ratingsFile = writeRatings(demoDir.resolve("ratings.csv"), ratings);
          Path history = writeHistory(demoDir.resolve("history.csv"), ratings);
          printWelcome(out, client, target, names, inputs, endpoints, ratingsFile, history);
          if (server.consolePort() >= 0) {
            out.println("Console (pictures, rollouts, serving figures): " + ServeCommand.consoleAddress(served, server));
            out.println();
          }
        }
      });
    }
  }

  /** Trains and registers {@code m} unless a READY version exists; either way @production points at one. */
  private void ensureRegistered(AeserveClient client, DemoModels.DemoModel m, EngineKind engineKind, PrintStream out) {
    Optional<ModelDetails> existing = client.listModels().stream().anyMatch(x -> x.getName().equals(m.name()))
        ? Optional.of(client.getModel(m.name())) : Optional.empty();
    Optional<VersionInfo> ready = existing.flatMap(d -> d.getVersionsList().stream()
        .filter(v -> v.getState() == VersionState.VERSION_STATE_READY).reduce((a, b) -> b));
    if (ready.isPresent()) {
      out.println("Reusing model '" + m.name() + "' from the registry.");
      if (existing.get().getAliasesList().stream().noneMatch(a -> a.getAlias().equals("production"))) {
        client.setAlias(m.name(), "production", ready.get().getVersion());
      }
      return;
    }
    // A recommender's epoch is a few hundred users, a fraction of a second: it needs more of them.
    int modelEpochs = m.family().recommender() ? Math.max(epochs, RECOMMENDER_EPOCHS) : epochs;
    TrainingConfig config = new TrainingConfig(modelEpochs, 64, 1e-3f, 0.1, 42, engineKind);
    System.err.println("Training '" + m.name() + "' (" + m.family().id() + ", " + m.data().rows() + " rows of "
        + m.data().cols() + ") ...");
    TrainedModel trained = new AutoencoderTrainer(config).train(m.spec(), m.data(), m.conditions(), m.classes(),
        new ProgressBar(System.err, modelEpochs));
    TrainCommand.printMetrics(out, trained.metrics());
    VersionInfo v = Registration.register(client, m.name(), m.description(), trained);
    client.setAlias(m.name(), "production", v.getVersion());
    out.println("Registered " + v.getModel() + ":" + v.getVersion() + " and pointed @production at it.");
  }

  private static Matrix load(Optional<Path> fashion) {
    if (fashion.isEmpty()) {
      return null;
    }
    try {
      return IdxReader.readImages(fashion.get(), FASHION_ROWS);
    } catch (IOException e) {
      throw new CliException("cannot read " + fashion.get() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The class name of each image, from the label file beside the images (train-labels-...), so the
   * console can colour the latent map by class; null when there is none.
   */
  private static List<String> classes(Optional<Path> images, Matrix pixels) {
    if (images.isEmpty()) {
      return null;
    }
    Path labels = images.get().resolveSibling(images.get().getFileName().toString().replace("-images-", "-labels-")
        .replace("idx3", "idx1"));
    if (!Files.isReadable(labels)) {
      return null;
    }
    try {
      int[] values = IdxReader.readLabels(labels);
      if (values.length < pixels.rows()) {
        return null;
      }
      List<String> out = new ArrayList<>(pixels.rows());
      for (int i = 0; i < pixels.rows(); i++) {
        int v = values[i];
        out.add(v >= 0 && v < Datasets.FASHION_MNIST_CLASSES.size() ? Datasets.FASHION_MNIST_CLASSES.get(v)
            : String.valueOf(v));
      }
      return out;
    } catch (IOException e) {
      throw new CliException("cannot read " + labels + ": " + e.getMessage(), e);
    }
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

  private static Path write(Path file, Matrix rows) {
    try (PrintStream ps = open(file)) {
      Csv.write(ps, rows.toArray());
    }
    return file;
  }

  /** The MovieLens CSV layout, so {@code aeserve train --family autorec|multvae} reads it back. */
  static Path writeRatings(Path file, Ratings ratings) {
    try (PrintStream ps = open(file)) {
      ps.println("userId,movieId,rating,timestamp");
      for (Rating r : ratings.all()) {
        ps.println(r.userId() + "," + r.itemId() + "," + r.value() + "," + r.timestamp());
      }
    }
    return file;
  }

  /** The first user's ratings as {@code item,value} lines, input for {@code aeserve recommend}. */
  private static Path writeHistory(Path file, Ratings ratings) {
    String user = ratings.users().get(0);
    try (PrintStream ps = open(file)) {
      ratings.all().stream().filter(r -> r.userId().equals(user)).forEach(r -> ps.println(r.itemId() + "," + r.value()));
    }
    return file;
  }

  private static PrintStream open(Path file) {
    try {
      Files.createDirectories(file.getParent());
      return new PrintStream(Files.newOutputStream(file));
    } catch (IOException e) {
      throw new CliException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Calls to paste into another terminal. The CLI's own commands name this server with --server
   * unless it listens where --server points by default.
   */
  static List<String> tryCommands(String target, Map<Family, String> names, Map<Family, Path> inputs, Path endpoints,
      Path ratings, Path history) {
    String server = target.equals("127.0.0.1:" + DEFAULT_PORT) ? "" : " --server " + target;
    String ae = names.get(Family.AE);
    String vae = names.get(Family.VAE);
    String dae = names.get(Family.DAE);
    String cvae = names.get(Family.CVAE);
    // Pictures (--png) land beside the demo's inputs, inside its data directory.
    Path pictures = inputs.get(Family.CONV_AE).getParent();
    List<String> cli = List.of(
        "models list",
        "versions list " + ae,
        "encode --model " + ae + "@production --input " + inputs.get(Family.AE),
        "reconstruct --model " + names.get(Family.CONV_AE) + " --input " + inputs.get(Family.CONV_AE)
            + " --png " + pictures.resolve(names.get(Family.CONV_AE) + "-reconstructions.png"),
        "sample --model " + vae + " --count 4 --seed 7",
        "sample --model " + vae + " --count 16 --seed 7 --png " + pictures.resolve(vae + "-samples.png"),
        "sample --model " + vae + " --interpolate-inputs " + endpoints + " --steps 5 --method slerp",
        "sample --model " + cvae + " --count 3 --condition 2 --seed 7",
        "denoise --model " + dae + " --input " + inputs.get(Family.DAE) + " --gaussian 0.2 --corruption-seed 1 --clip 0,1"
            + " --png " + pictures.resolve(dae + "-denoising.png"),
        "recommend --model " + names.get(Family.AUTOREC) + " --history " + history + " --k 10",
        "recommend --model " + names.get(Family.MULTVAE) + " --history " + ratings + " --k 5",
        "evaluate --model " + names.get(Family.MULTVAE) + " --ratings " + ratings
            + " --held-out-users " + DemoModels.HELD_OUT_USERS + " --split-seed " + DemoModels.SPLIT_SEED,
        "evaluate --model " + ae + " --data " + inputs.get(Family.AE),
        "calibrate " + ae + "@production --data " + inputs.get(Family.AE) + " --percentile 95");
    List<String> out = new ArrayList<>();
    cli.forEach(c -> out.add("./aeserve " + c + server));
    out.add("grpcurl -plaintext " + target + " grpc.health.v1.Health/Check");
    out.add("grpcurl -plaintext -d '{\"model\":{\"name\":\"" + vae + "\"},\"count\":2,\"seed\":7}' " + target
        + " aeserve.v1.Autoencoder/Sample");
    return out;
  }

  private static void printWelcome(PrintStream out, AeserveClient client, String target, Map<Family, String> names,
      Map<Family, Path> inputs, Path endpoints, Path ratings, Path history) {
    out.println();
    out.println("aeserve demo is SERVING on " + target);
    out.println("Registered models:");
    client.listModels().forEach(m -> out.println("  " + m.getName() + " (" + m.getFamily() + ") "
        + client.listVersions(m.getName()).size() + " version(s): " + m.getDescription()));
    out.println();
    out.println("Try, from another terminal:");
    for (String command : tryCommands(target, names, inputs, endpoints, ratings, history)) {
      out.println("  " + command);
    }
    out.println();
  }
}
