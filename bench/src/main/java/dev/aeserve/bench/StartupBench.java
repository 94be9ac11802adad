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
 * Start to SERVING: a registry with {@code --versions} registered versions of W1-large
 * (784-1024-256-32), a server process started on it, and the seconds from the process's start
 * until it is SERVING (port bound, every routed version loaded and warm), the median of {@code
 * --runs} starts; writes {@code startup.json}. Two layouts of the same number of versions: one
 * model each, so every version is routed and preloaded (the strictest case), and a few models with
 * a history of {@link #HISTORY_VERSIONS_PER_MODEL} versions each, where only each model's latest
 * and its aliased version are routed ({@code with_history}).
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
    TrainedModel model = BenchModels.large();
    Map<String, Object> json;
    try (TempDirectory dir = TempDirectory.create("aeserve-startup")) {
      json = measureAllRouted(engine, model, versions, runs, logs, dir.path());
    }
    // The same number of versions as a registry usually holds them: a few models, each with a
    // history, where only what traffic reaches (each model's latest and the version its alias
    // names) loads before SERVING and the older versions load on first use.
    try (TempDirectory dir = TempDirectory.create("aeserve-startup-history")) {
      json.put("with_history", measureWithHistory(engine, model, versions, runs, logs, dir.path()));
    }
    return json;
  }

  /** Models with this many versions each in the history layout. */
  static final int HISTORY_VERSIONS_PER_MODEL = 5;

  private static Map<String, Object> measureWithHistory(EngineKind engine, TrainedModel model, int versions, int runs,
      Path logs, Path dir) throws Exception {
    int models = Math.max(1, versions / HISTORY_VERSIONS_PER_MODEL);
    int perModel = versions / models;
    register(dir, registry -> {
      for (int m = 0; m < models; m++) {
        String name = "history-" + m;
        for (int v = 0; v < perModel; v++) {
          addVersion(registry, name, model, v == 0);
        }
        // A rollout in progress: the alias still names the version before the latest.
        registry.setAlias(name, "stable", perModel - 1, "bench");
      }
    });
    Map<String, Object> json = starts(engine, runs, logs, dir, "startup-history-");
    json.put("versions", models * perModel);
    json.put("models", models);
    json.put("routed_versions", 2 * models);
    json.put("layout", models + " models of " + perModel + " versions each; each model's latest and the"
        + " version its alias 'stable' names (the one before the latest) are routed and preloaded, the rest load on"
        + " first use");
    return json;
  }

  private static Map<String, Object> measureAllRouted(EngineKind engine, TrainedModel model, int versions, int runs,
      Path logs, Path dir) throws Exception {
    register(dir, registry -> {
      for (int i = 0; i < versions; i++) {
        addVersion(registry, "startup-" + i, model, true);
      }
    });
    Map<String, Object> json = starts(engine, runs, logs, dir, "startup-");
    json.put("versions", versions);
    json.put("model", "W1-large (dense ae 784-1024-256-32), " + model.weights().length + " bytes of weights");
    return json;
  }

  /** What a layout registers, straight through the registry API on the directory's embedded Postgres. */
  private interface Layout {
    void register(PostgresModelRegistry registry);
  }

  private static void register(Path dir, Layout layout) throws Exception {
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir);
        Database db = Database.open(pg.jdbcUrl(), EmbeddedDatabase.USER, null);
        PostgresModelRegistry registry = new PostgresModelRegistry(db)) {
      layout.register(registry);
    }
  }

  /** Registers {@code model}'s weights as the next version of {@code name}, creating the model first when asked. */
  private static void addVersion(PostgresModelRegistry registry, String name, TrainedModel model, boolean newModel) {
    if (newModel) {
      registry.createModel(name, model.spec().family().id(), "start-to-SERVING benchmark model", "bench");
    }
    registry.createVersion(new NewVersion(name, model.spec().toJson(), model.metrics().toJson(), null, null,
        model.weights(), null), "bench");
  }

  /** Starts a server on the registry in {@code dir} {@code runs} times; medians and each run. */
  private static Map<String, Object> starts(EngineKind engine, int runs, Path logs, Path dir, String logPrefix)
      throws Exception {
    List<Double> seconds = new ArrayList<>();
    List<Double> afterDb = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      long start = System.nanoTime();
      try (ServerProcess server = ServerProcess.start(
          new ServerProcess.Options(engine, Pinning.NONE, dir, true, 0)
              .keepingLogAs(logs.resolve(logPrefix + (r + 1) + ".log")))) {
        seconds.add((System.nanoTime() - start) / 1e9);
        afterDb.add(server.dbReadyToServingSeconds());
      }
      System.err.printf("start %d: SERVING after %.2f s (%.2f s after the database was ready)%n", r + 1,
          seconds.get(r), afterDb.get(r));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("generated_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    json.put("machine", Runtime.getRuntime().availableProcessors() + " cores");
    json.put("start_to_serving_s", median(seconds));
    json.put("db_ready_to_serving_s", median(afterDb));
    json.put("runs_s", seconds);
    json.put("runs_after_db_ready_s", afterDb);
    json.put("server_logs", logs.toAbsolutePath().resolve(logPrefix + "N.log").toString());
    return json;
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted[sorted.length / 2];
  }
}
