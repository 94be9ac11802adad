package dev.aeserve.bench;

import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.server.grpc.MatrixCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * many_models: a thousand registered small versions (one model each, W1-small's weights; the
 * registry stores the artifact once, each version loads its own engine copy) served by one server
 * whose {@code --model-memory-budget} holds about a hundred of them, under a Zipf-distributed mix
 * of one-row Encode calls. Reports RSS against the budget plus a stated overhead, the hit ratio,
 * cold-load p99 (from the server's own log of each load) and failures.
 */
final class ManyModels {

  /** RSS the server may take beyond the budget: JVM (256 MiB heap), engine runtime, Netty, Postgres client. */
  static final double OVERHEAD_MIB = 512;
  /** Zipf exponent of the request mix: a few models hot, a long tail cold. */
  static final double ZIPF_S = 1.0;
  static final int CONCURRENCY = 16;

  private static final Pattern LOADED = Pattern.compile("loaded \\S+ \\(\\d+ bytes\\) on .* in (\\d+) ms");

  private ManyModels() {}

  static Map<String, Object> run(EngineKind engine, TrainedModel small, int models, int budgetModels, Pinning pinning,
      GeneratorChannels generator, Duration warmup, Duration measure) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    Path dir = Files.createTempDirectory("aeserve-many-models");
    try {
      return run(engine, small, models, budgetModels, pinning, generator, warmup, measure, dir, r);
    } finally {
      // A thousand versions leave a few hundred MB of database (mostly WAL) behind.
      deleteTree(dir);
    }
  }

  private static Map<String, Object> run(EngineKind engine, TrainedModel small, int models, int budgetModels,
      Pinning pinning, GeneratorChannels generator, Duration warmup, Duration measure, Path dir,
      Map<String, Object> r) throws Exception {
    long start = System.nanoTime();
    // Straight through the registry API: 1,000 uploads over gRPC would cost minutes of the suite.
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir);
        Database db = Database.open(pg.jdbcUrl(), EmbeddedDatabase.USER, null);
        PostgresModelRegistry registry = new PostgresModelRegistry(db)) {
      // Eight at a time: each registration is its own transaction (hashing and sending the ~0.9 MB
      // artifact, the version and audit rows); overlapped, 1,000 took 57 s instead of 102 s here.
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < models; i++) {
          String name = name(i);
          done.add(pool.submit(() -> {
            registry.createModel(name, small.spec().family().id(), "many_models benchmark model", "bench");
            registry.createVersion(new NewVersion(name, small.spec().toJson(), small.metrics().toJson(), null, null,
                small.weights(), null), "bench");
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
    r.put("register_s", (System.nanoTime() - start) / 1e9);
    long budget = (long) budgetModels * small.weights().length;
    r.put("models", models);
    r.put("budget_models", budgetModels);
    r.put("budget_mib", budget / (1024.0 * 1024.0));
    r.put("overhead_mib", OVERHEAD_MIB);
    r.put("zipf_s", ZIPF_S);
    r.put("concurrency", CONCURRENCY);
    try (ServerProcess server = ServerProcess.start(
        new ServerProcess.Options(engine, pinning, dir, false, budget))) {
      List<byte[]> mix = zipfMix(models, 1 << 16, small.spec().inputDim());
      var target = new RawUnaryTarget(generator.to(server.grpcPort()),
          AutoencoderGrpc.getEncodeMethod().getFullMethodName(), mix);
      MetricsSnapshot before = server.metrics();
      // The warm-up fills the cache (until the loaded weights reach 90 % of the budget, at most
      // 60 s; a smoke run with no warm-up skips it); the measured window is the steady state.
      // Failures in the warm-up count.
      long warmupFailures = 0;
      long warmStart = System.nanoTime();
      MetricsSnapshot warm = server.metrics();
      while (!warmup.isZero() && System.nanoTime() - warmStart < TimeUnit.SECONDS.toNanos(60)) {
        LoadGenerator.Result w = LoadGenerator.closedLoop(target, server::cpuSeconds, CONCURRENCY, Duration.ZERO,
            warmup.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : warmup);
        warmupFailures += w.calls() - w.ok() + w.failuresOutsideWindow();
        warm = server.metrics();
        if (warm.value("aeserve_loaded_model_bytes") >= 0.9 * budget) {
          break;
        }
      }
      r.put("warmup_s", (System.nanoTime() - warmStart) / 1e9);
      LoadGenerator.Result m = LoadGenerator.closedLoop(target, server::cpuSeconds, CONCURRENCY, Duration.ZERO,
          measure);
      MetricsSnapshot after = server.metrics();
      r.put("run", BenchSuite.result(m, 1));
      double hits = after.value("aeserve_model_lookups_total{result=\"hit\"}")
          - warm.value("aeserve_model_lookups_total{result=\"hit\"}");
      double misses = after.value("aeserve_model_lookups_total{result=\"miss\"}")
          - warm.value("aeserve_model_lookups_total{result=\"miss\"}");
      r.put("hit_ratio", hits + misses == 0 ? Double.NaN : hits / (hits + misses));
      r.put("cold_loads", after.value("aeserve_model_load_seconds_count") - before.value("aeserve_model_load_seconds_count"));
      r.put("evictions", after.value("aeserve_model_evictions_total") - before.value("aeserve_model_evictions_total"));
      r.put("loaded_mib_at_end", after.value("aeserve_loaded_model_bytes") / (1024.0 * 1024.0));
      Histogram loads = coldLoads(server.log());
      r.put("cold_load_p50_ms", loads.getTotalCount() == 0 ? Double.NaN : (double) loads.getValueAtPercentile(50));
      r.put("cold_load_p99_ms", loads.getTotalCount() == 0 ? Double.NaN : (double) loads.getValueAtPercentile(99));
      r.put("cold_loads_logged", loads.getTotalCount());
      double rss = server.rssMib();
      r.put("rss_mib", rss);
      r.put("rss_limit_mib", budget / (1024.0 * 1024.0) + OVERHEAD_MIB);
      r.put("failures", m.rejected() + m.allOtherFailures() + warmupFailures);
      r.put("warmup_failures", warmupFailures);
    }
    return r;
  }

  static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String name(int i) {
    return String.format("tenant-%04d", i);
  }

  /**
   * Encode requests whose models follow a Zipf law over the ranks (rank k drawn with weight
   * 1/k^s), the ranks shuffled over the names so that popularity is not the registration order.
   */
  private static List<byte[]> zipfMix(int models, int calls, int inputDim) {
    Random random = new Random(17);
    int[] byRank = new int[models];
    for (int i = 0; i < models; i++) {
      byRank[i] = i;
    }
    for (int i = models - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = byRank[i];
      byRank[i] = byRank[j];
      byRank[j] = t;
    }
    double[] cumulative = new double[models];
    double sum = 0;
    for (int k = 0; k < models; k++) {
      sum += 1 / Math.pow(k + 1, ZIPF_S);
      cumulative[k] = sum;
    }
    var inputs = MatrixCodec.encode(SyntheticData.manifold(1, inputDim, 1), MatrixEncoding.MATRIX_ENCODING_RAW_LE);
    byte[][] perModel = new byte[models][];
    List<byte[]> mix = new ArrayList<>(calls);
    for (int c = 0; c < calls; c++) {
      int rank = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
      int model = byRank[rank < 0 ? -rank - 1 : rank];
      if (perModel[model] == null) {
        perModel[model] = EncodeRequest.newBuilder().setModel(ModelRef.newBuilder().setName(name(model)))
            .setInputs(inputs).build().toByteArray();
      }
      mix.add(perModel[model]);
    }
    return mix;
  }

  /** Each cold load's milliseconds, from the server's "loaded NAME:V (N bytes) on ... in T ms" lines. */
  private static Histogram coldLoads(Path log) throws IOException {
    Histogram h = new Histogram(3);
    for (String line : Files.readAllLines(log)) {
      Matcher m = LOADED.matcher(line);
      if (m.find()) {
        h.recordValue(Long.parseLong(m.group(1)));
      }
    }
    return h;
  }
}
