package dev.aeserve.bench;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.server.AeServer;
import dev.aeserve.server.ServerConfig;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark suite: starts an embedded Postgres and an aeserve server on loopback, registers
 * the benchmark models, drives the workloads, and writes {@code docs/benchmarks.md} and
 * {@code docs/benchmarks.json}. Every figure is a ratio of two measurements from the same run, so
 * the noise of a shared machine largely cancels out.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run the aeserve benchmark suite.")
public final class BenchSuite implements Callable<Integer> {

  static final int CONCURRENCY = 64;
  static final BatchPolicy DEFAULT_POLICY = BatchPolicy.defaults();
  static final BatchPolicy GUARDED_POLICY = new BatchPolicy(64, Duration.ofMillis(2), 128, List.of());

  @Option(names = "--seconds", defaultValue = "8", description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds per closed-loop run (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--engines", split = ",", defaultValue = "mxnet,pytorch", description = "Engines to compare.")
  List<String> engines;

  @Option(names = "--out", defaultValue = "docs", description = "Where benchmarks.md and benchmarks.json go.")
  Path out;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchSuite()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("aeserve-bench");
    Report report = new Report(seconds, warmup);
    TrainedModel small = BenchModels.small();
    TrainedModel large = BenchModels.large();
    try (EmbeddedDatabase pg = EmbeddedDatabase.start(dir);
        Database db = Database.open(pg.jdbcUrl(), EmbeddedDatabase.USER, null);
        PostgresModelRegistry registry = new PostgresModelRegistry(db)) {
      boolean registered = false;
      for (String e : engines) {
        EngineKind engine = EngineKind.parse(e);
        ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false).withEngine(engine)
            .withBatching(BatchingConfig.of(DEFAULT_POLICY)
                .withOverride(BenchModels.LARGE_UNBATCHED, BatchPolicy.unbatched())
                .withOverride(BenchModels.LARGE_GUARDED, GUARDED_POLICY));
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
        builder.addService(EchoService.definition());
        try (AeServer server = AeServer.start(builder, registry, config)) {
          ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
              .maxInboundMessageSize(64 << 20).build();
          try {
            if (!registered) {
              try (AeserveClient client = AeserveClient.forChannel(channel, Duration.ofMinutes(2))) {
                BenchModels.register(client, BenchModels.SMALL, small);
                BenchModels.register(client, BenchModels.LARGE, large);
                BenchModels.register(client, BenchModels.LARGE_UNBATCHED, large);
                BenchModels.register(client, BenchModels.LARGE_GUARDED, large);
              }
              registered = true;
            }
            report.engine(engine, runEngine(engine, server, channel, large));
          } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
          }
        }
      }
    }
    report.rssMib(rssMib());
    report.write(out);
    System.out.println("wrote " + out.resolve("benchmarks.md") + " and " + out.resolve("benchmarks.json"));
    return 0;
  }

  private Map<String, Object> runEngine(EngineKind engine, AeServer server, ManagedChannel channel, TrainedModel large)
      throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    Duration measure = Duration.ofSeconds(seconds);
    Duration warm = Duration.ofSeconds(warmup);
    var blocking = AutoencoderGrpc.newBlockingStub(channel);
    var async = AutoencoderGrpc.newFutureStub(channel);
    EncodeRequest w1Small = encode(BenchModels.SMALL, 1);
    EncodeRequest w1Large = encode(BenchModels.LARGE, 1);
    log(engine, "W1 small, concurrency " + CONCURRENCY);
    LoadGenerator.Result small = LoadGenerator.closedLoop(CONCURRENCY, warm, measure, () -> blocking.encode(w1Small));
    r.put("w1_small", result(small, 1));

    log(engine, "echo with W1's payload");
    LoadGenerator.Result echo = LoadGenerator.closedLoop(CONCURRENCY, warm, measure,
        () -> ClientCalls.blockingUnaryCall(channel, EchoService.ECHO, io.grpc.CallOptions.DEFAULT, w1Small));
    r.put("echo", result(echo, 1));
    r.put("rpc_floor_w1_small", small.throughput() / echo.throughput());

    log(engine, "W1 large, batched and unbatched");
    MetricsSnapshot before = new MetricsSnapshot(server.metrics().scrape());
    LoadGenerator.Result largeBatched = LoadGenerator.closedLoop(CONCURRENCY, warm, measure,
        () -> blocking.encode(w1Large));
    MetricsSnapshot after = new MetricsSnapshot(server.metrics().scrape());
    EncodeRequest w1Unbatched = encode(BenchModels.LARGE_UNBATCHED, 1);
    LoadGenerator.Result largeUnbatched = LoadGenerator.closedLoop(CONCURRENCY, warm, measure,
        () -> blocking.encode(w1Unbatched));
    r.put("w1_large", result(largeBatched, 1));
    r.put("w1_large_unbatched", result(largeUnbatched, 1));
    r.put("batching_gain_w1_large", largeBatched.throughput() / largeUnbatched.throughput());
    double meanBatchRows = MetricsSnapshot.mean(before, after, "aeserve_batch_rows", BenchModels.LARGE, "encode");
    r.put("w1_large_mean_batch_rows", meanBatchRows);

    log(engine, "W1 large concurrency sweep");
    Map<String, Object> sweep = new LinkedHashMap<>();
    double maxThroughput = largeBatched.throughput();
    for (int c : new int[] {1, 8, 32, 128}) {
      LoadGenerator.Result s = LoadGenerator.closedLoop(c, warm, measure, () -> blocking.encode(w1Large));
      sweep.put("c" + c, result(s, 1));
      maxThroughput = Math.max(maxThroughput, s.throughput());
    }
    sweep.put("c" + CONCURRENCY, result(largeBatched, 1));
    r.put("w1_large_sweep", sweep);

    log(engine, "engine alone at the server's mean batch size");
    int batchRows = Math.max(1, (int) Math.round(meanBatchRows));
    double engineRowsPerSecond = engineRowsPerSecond(engine, large, batchRows, measure);
    r.put("engine_rows_per_s_at_batch", engineRowsPerSecond);
    r.put("serving_efficiency", largeBatched.throughput() / engineRowsPerSecond);

    log(engine, "W2 reconstruct, 64 rows per request");
    ReconstructRequest w2 = ReconstructRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName(BenchModels.LARGE))
        .setInputs(MatrixCodec.encode(SyntheticData.manifold(64, 784, 9), MatrixEncoding.MATRIX_ENCODING_RAW_LE))
        .build();
    LoadGenerator.Result reconstruct = LoadGenerator.closedLoop(16, warm, measure, () -> blocking.reconstruct(w2));
    r.put("w2_large", result(reconstruct, 64));

    log(engine, "latency at half load, overload at 3x, recovery (short queue)");
    EncodeRequest guarded = encode(BenchModels.LARGE_GUARDED, 1);
    LoadGenerator.Result saturated = LoadGenerator.closedLoop(CONCURRENCY, warm, measure, () -> blocking.encode(guarded));
    double sustainable = saturated.throughput();
    MetricsSnapshot halfBefore = new MetricsSnapshot(server.metrics().scrape());
    LoadGenerator.Result half = LoadGenerator.openLoop(sustainable / 2, measure, () -> async.encode(guarded));
    MetricsSnapshot halfAfter = new MetricsSnapshot(server.metrics().scrape());
    double computeMs = 1000 * MetricsSnapshot.mean(halfBefore, halfAfter, "aeserve_compute_seconds",
        BenchModels.LARGE_GUARDED, "encode");
    LoadGenerator.Result overload = LoadGenerator.openLoop(sustainable * 3, measure, () -> async.encode(guarded));
    LoadGenerator.Result recovery = LoadGenerator.openLoop(sustainable / 2, measure, () -> async.encode(guarded));
    r.put("guarded_saturated", result(saturated, 1));
    r.put("half_load", result(half, 1));
    r.put("overload", result(overload, 1));
    r.put("recovery", result(recovery, 1));
    r.put("half_load_p99_ms", half.p99());
    r.put("half_load_batch_compute_ms", computeMs);
    r.put("half_load_p99_bound_ms", GUARDED_POLICY.maxQueueDelay().toNanos() / 1e6 + 2 * computeMs);
    r.put("overload_p99_ratio", overload.p99() / half.p99());
    r.put("overload_rejected", overload.rejected());
    r.put("overload_other_failures", overload.otherFailures());
    r.put("recovery_throughput_ratio", recovery.throughput() / (sustainable / 2));
    r.put("recovery_failures", recovery.rejected() + recovery.otherFailures());
    return r;
  }

  private static double engineRowsPerSecond(EngineKind engine, TrainedModel m, int batchRows, Duration measure) {
    Matrix batch = SyntheticData.manifold(batchRows, 784, 5);
    try (Autoencoder model = Autoencoders.load(m.spec(), m.weights(), engine)) {
      for (int i = 0; i < 20; i++) {
        model.encode(batch);
      }
      long rows = 0;
      long start = System.nanoTime();
      long end = start + measure.toNanos();
      while (System.nanoTime() < end) {
        model.encode(batch);
        rows += batchRows;
      }
      return rows / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static EncodeRequest encode(String model, int rows) {
    return EncodeRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName(model))
        .setInputs(MatrixCodec.encode(SyntheticData.manifold(rows, 784, 1), MatrixEncoding.MATRIX_ENCODING_RAW_LE))
        .build();
  }

  static Map<String, Object> result(LoadGenerator.Result r, int rowsPerRequest) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("requests_per_s", r.throughput());
    m.put("rows_per_s", r.throughput() * rowsPerRequest);
    m.put("p50_ms", r.p50());
    m.put("p90_ms", r.p90());
    m.put("p99_ms", r.p99());
    m.put("ok", r.ok());
    m.put("rejected", r.rejected());
    m.put("other_failures", r.otherFailures());
    return m;
  }

  private static double rssMib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (java.io.IOException e) {
      // not Linux: reported as NaN
    }
    return Double.NaN;
  }

  private static void log(EngineKind engine, String what) {
    System.err.printf(Locale.ROOT, "[%s] %s%n", engine.djlName(), what);
  }
}
