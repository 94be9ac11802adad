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
 * of one-row Encode calls. Reports RSS against the budget plus the server's overhead, measured in
 * the same run, the hit ratio, cold-load p99 (from the server's own log of each load) and every
 * failed call with its status. The server's log is kept in the run's logs folder.
 */
final class ManyModels {

  /**
   * Slack on budget + stated overhead. The native overhead is measured at one moment with one
   * version loaded; over the run the JIT compiles more code, the class metadata and thread stacks
   * grow, and a thousand loads and evictions fragment glibc's heap between the server's trims of
   * it (it trims the allocator 250 ms after unloading versions, NativeHeapTrimmer). A tenth of the
   * limit covers these and is far smaller than a leak of the budget's size.
   */
  static final double RSS_SLACK = 0.10;
  /** Zipf exponent of the request mix: a few models hot, a long tail cold. */
  static final double ZIPF_S = 1.0;
  static final int CONCURRENCY = 16;

  /** A load's own time, and (servers that have load slots) how long it waited for one first. */
  private static final Pattern LOADED =
      Pattern.compile("loaded \\S+ \\(\\d+ bytes\\) on .* in (\\d+) ms(?:.*waited (\\d+) ms for a load slot)?");

  private ManyModels() {}

  static Map<String, Object> run(EngineKind engine, TrainedModel small, int models, int budgetModels, Pinning pinning,
      GeneratorChannels generator, Duration warmup, Duration measure, Path keepLogAs) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    // A thousand versions leave a few hundred MB of database (mostly WAL): deleted when done.
    try (TempDirectory dir = TempDirectory.create("aeserve-many-models")) {
      return run(engine, small, models, budgetModels, pinning, generator, warmup, measure, dir.path(), keepLogAs, r);
    }
  }

  private static Map<String, Object> run(EngineKind engine, TrainedModel small, int models, int budgetModels,
      Pinning pinning, GeneratorChannels generator, Duration warmup, Duration measure, Path dir, Path keepLogAs,
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
    double budgetMib = budget / (1024.0 * 1024.0);
    double weightsMib = small.weights().length / (1024.0 * 1024.0);
    r.put("budget_mib", budgetMib);
    r.put("zipf_s", ZIPF_S);
    r.put("concurrency", CONCURRENCY);
    r.put("server_log", keepLogAs.toAbsolutePath().toString());
    try (ServerProcess server = ServerProcess.start(
        new ServerProcess.Options(engine, pinning, dir, false, budget).keepingLogAs(keepLogAs))) {
      String encode = AutoencoderGrpc.getEncodeMethod().getFullMethodName();
      FailedCalls failed = new FailedCalls();
      // The overhead is stated in two parts. The Java heap: its bound, -Xmx, because the collector
      // (serial on the one pinned core, G1 otherwise) touches the whole heap under sustained
      // traffic whatever the live set, so what it has touched at one moment early in a run says
      // nothing about the end. The native rest: measured on this
      // same server (same flags, budget and engine) after the callers have warmed one version for
      // a few seconds, as its RSS less the heap's share less that version's weights; the engine's
      // native runtime loads with the first version, so an idle server would understate it.
      r.put("rss_idle_mib", server.rssMib());
      var one = new RawUnaryTarget(generator.to(server.grpcPort()), encode,
          List.of(request(0, small.spec().inputDim())));
      LoadGenerator.Result oneRun = LoadGenerator.closedLoop(one, server::cpuSeconds, CONCURRENCY, Duration.ZERO,
          Duration.ofSeconds(Math.max(2, warmup.toSeconds())));
      failed.addAll(oneRun.failed());
      ServerProcess.Resident residentOne = server.resident();
      double rssOne = residentOne.mib();
      double heapOne = residentOne.heapMib();
      double nativeOverhead = residentOne.nativeMib() - weightsMib;
      double overhead = ServerProcess.SERVER_HEAP_MIB + nativeOverhead;
      r.put("rss_one_version_mib", rssOne);
      r.put("heap_rss_one_version_mib", heapOne);
      r.put("heap_max_mib", ServerProcess.SERVER_HEAP_MIB);
      r.put("native_overhead_mib", nativeOverhead);
      r.put("measured_overhead_mib", overhead);
      List<byte[]> mix = zipfMix(models, 1 << 16, small.spec().inputDim());
      var target = new RawUnaryTarget(generator.to(server.grpcPort()), encode, mix);
      MetricsSnapshot before = server.metrics();
      // The warm-up fills the cache (until the loaded weights reach 90 % of the budget, at most
      // 60 s; a smoke run with no warm-up skips it); the measured window is the steady state.
      // Failures in the warm-up count.
      FailedCalls warmupFailed = new FailedCalls();
      long warmStart = System.nanoTime();
      MetricsSnapshot warm = server.metrics();
      while (!warmup.isZero() && System.nanoTime() - warmStart < TimeUnit.SECONDS.toNanos(60)) {
        LoadGenerator.Result w = LoadGenerator.closedLoop(target, server::cpuSeconds, CONCURRENCY, Duration.ZERO,
            warmup.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : warmup);
        warmupFailed.addAll(w.failed());
        warm = server.metrics();
        if (warm.value("aeserve_loaded_model_bytes") >= 0.9 * budget) {
          break;
        }
      }
      r.put("warmup_s", (System.nanoTime() - warmStart) / 1e9);
      LoadGenerator.Result m = LoadGenerator.closedLoop(target, server::cpuSeconds, CONCURRENCY, Duration.ZERO,
          measure);
      MetricsSnapshot after = server.metrics();
      failed.addAll(warmupFailed);
      failed.addAll(m.failed());
      r.put("run", BenchSuite.result(m, 1));
      double hits = after.value("aeserve_model_lookups_total{result=\"hit\"}")
          - warm.value("aeserve_model_lookups_total{result=\"hit\"}");
      double misses = after.value("aeserve_model_lookups_total{result=\"miss\"}")
          - warm.value("aeserve_model_lookups_total{result=\"miss\"}");
      r.put("hit_ratio", hits + misses == 0 ? Double.NaN : hits / (hits + misses));
      // In the measured window, as the hit ratio; the log's count below covers the whole run.
      r.put("cold_loads", after.value("aeserve_model_load_seconds_count") - warm.value("aeserve_model_load_seconds_count"));
      r.put("evictions", after.value("aeserve_model_evictions_total") - warm.value("aeserve_model_evictions_total"));
      r.put("cold_loads_since_warmup", after.value("aeserve_model_load_seconds_count")
          - before.value("aeserve_model_load_seconds_count"));
      r.put("loaded_mib_at_end", after.value("aeserve_loaded_model_bytes") / (1024.0 * 1024.0));
      Histogram loads = coldLoads(server.log());
      r.put("cold_load_p50_ms", loads.getTotalCount() == 0 ? Double.NaN : (double) loads.getValueAtPercentile(50));
      r.put("cold_load_p99_ms", loads.getTotalCount() == 0 ? Double.NaN : (double) loads.getValueAtPercentile(99));
      r.put("cold_loads_logged", loads.getTotalCount());
      ServerProcess.Resident resident = server.resident();
      double rss = resident.mib();
      r.put("heap_rss_mib", resident.heapMib());
      r.put("native_rss_mib", resident.nativeMib());
      double limit = (budgetMib + overhead) * (1 + RSS_SLACK);
      r.put("rss_mib", rss);
      r.put("rss_slack", RSS_SLACK);
      r.put("rss_limit_mib", limit);
      r.put("rss_within_limit", rss <= limit);
      // Every call that did not end OK (RESOURCE_EXHAUSTED included), in any phase, with the first
      // messages per status code: a failure is never left unexplained.
      r.put("failures", failed.total());
      r.put("warmup_failures", warmupFailed.total());
      r.put("failed_calls", failed.toMap());
    }
    return r;
  }

  /** A one-row Encode request for model {@code i}. */
  private static byte[] request(int i, int inputDim) {
    var inputs = MatrixCodec.encode(SyntheticData.manifold(1, inputDim, 1), MatrixEncoding.MATRIX_ENCODING_RAW_LE);
    return EncodeRequest.newBuilder().setModel(ModelRef.newBuilder().setName(name(i))).setInputs(inputs).build()
        .toByteArray();
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
    byte[][] perModel = new byte[models][];
    List<byte[]> mix = new ArrayList<>(calls);
    for (int c = 0; c < calls; c++) {
      int rank = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
      int model = byRank[rank < 0 ? -rank - 1 : rank];
      if (perModel[model] == null) {
        perModel[model] = request(model, inputDim);
      }
      mix.add(perModel[model]);
    }
    return mix;
  }

  /**
   * Each cold load's milliseconds as its callers waited them (the wait for a load slot included),
   * from the server's "loaded NAME:V (N bytes) on ... in T ms (...; waited W ms for a load slot)" lines.
   */
  private static Histogram coldLoads(Path log) throws IOException {
    Histogram h = new Histogram(3);
    for (String line : Files.readAllLines(log)) {
      Matcher m = LOADED.matcher(line);
      if (m.find()) {
        h.recordValue(Long.parseLong(m.group(1)) + (m.group(2) == null ? 0 : Long.parseLong(m.group(2))));
      }
    }
    return h;
  }
}
