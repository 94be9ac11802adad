package dev.aeserve.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Start to SERVING: a registry with {@code --versions} registered versions (one model each, so
 * every one is preloaded: W1-large, 784-1024-256-32), a server process started on it, and the
 * seconds from the process's start until it is SERVING (port bound, every routed version loaded
 * and warm). The median of {@code --runs} starts; writes {@code startup.json}.
 */
@Command(name = "startup", mixinStandardHelpOptions = true, description = "Measure start-to-SERVING.")
public final class StartupBench implements Callable<Integer> {

  @Option(names = "--versions", defaultValue = "20", description = "Registered versions (default: ${DEFAULT-VALUE}).")
  int versions;

  @Option(names = "--runs", defaultValue = "3", description = "Starts to take the median of (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--engine", defaultValue = "mxnet", description = "Engine (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(names = "--out", defaultValue = "docs", description = "Where startup.json goes.")
  Path out;

  @Option(names = "--logs", defaultValue = "bench/target/bench-logs", description = "Where each start's server log "
      + "is kept (default: ${DEFAULT-VALUE}).")
  Path logs;

  public static void main(String[] args) {
    // bench/run-startup passes --out docs; a later --out (a scratch folder) wins.
    System.exit(new CommandLine(new StartupBench()).setOverwrittenOptionsAllowed(true).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Map<String, Object> json = measure(EngineKind.parse(engine), versions, runs, logs);
    json.put("command", "bench/run-startup --versions " + versions + " --runs " + runs + " --engine " + engine);
    Files.createDirectories(out);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("startup.json").toFile(), json);
    System.out.printf("start_to_serving_s %.2f, db_ready_to_serving_s %.2f (median of %d, %d versions); wrote %s%n",
        json.get("start_to_serving_s"), json.get("db_ready_to_serving_s"), runs, versions, out.resolve("startup.json"));
    return 0;
  }

  /**
   * Registers {@code versions} versions of W1-large (one model each) and starts a server on them
   * {@code runs} times (the whole machine to itself: nothing else runs meanwhile). Medians of
   * process start to SERVING and of database ready to SERVING. Each start's server log is kept in
   * {@code logs} (startup-N.log: its lines time each preload step); the registry is deleted after.
   */
  static Map<String, Object> measure(EngineKind engine, int versions, int runs, Path logs) throws Exception {
    try (TempDirectory dir = TempDirectory.create("aeserve-startup")) {
      return measure(engine, versions, runs, logs, dir.path());
    }
  }

  private static Map<String, Object> measure(EngineKind engine, int versions, int runs, Path logs, Path dir)
      throws Exception {
    TrainedModel model = BenchModels.large();
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir);
        Database db = Database.open(pg.jdbcUrl(), EmbeddedDatabase.USER, null);
        PostgresModelRegistry registry = new PostgresModelRegistry(db)) {
      for (int i = 0; i < versions; i++) {
        String name = "startup-" + i;
        registry.createModel(name, model.spec().family().id(), "start-to-SERVING benchmark model", "bench");
        registry.createVersion(new NewVersion(name, model.spec().toJson(), model.metrics().toJson(), null, null,
            model.weights(), null), "bench");
      }
    }
    List<Double> seconds = new ArrayList<>();
    List<Double> afterDb = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      long start = System.nanoTime();
      try (ServerProcess server = ServerProcess.start(
          new ServerProcess.Options(engine, Pinning.NONE, dir, true, 0)
              .keepingLogAs(logs.resolve("startup-" + (r + 1) + ".log")))) {
        seconds.add((System.nanoTime() - start) / 1e9);
        afterDb.add(server.dbReadyToServingSeconds());
      }
      System.err.printf("start %d: SERVING after %.2f s (%.2f s after the database was ready)%n", r + 1,
          seconds.get(r), afterDb.get(r));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("generated_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    json.put("machine", Runtime.getRuntime().availableProcessors() + " cores");
    json.put("versions", versions);
    json.put("model", "W1-large (dense ae 784-1024-256-32), " + model.weights().length + " bytes of weights");
    json.put("start_to_serving_s", median(seconds));
    json.put("db_ready_to_serving_s", median(afterDb));
    json.put("runs_s", seconds);
    json.put("runs_after_db_ready_s", afterDb);
    json.put("server_logs", logs.toAbsolutePath().resolve("startup-N.log").toString());
    return json;
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }
}
