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
import dev.aeserve.proto.v1.Interaction;
import dev.aeserve.proto.v1.RecommendRequest;
import dev.aeserve.proto.v1.ReconstructRequest;
import dev.aeserve.proto.v1.SampleRequest;
import dev.aeserve.proto.v1.UserHistory;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
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
    Report report = new Report(seconds, warmup);
    TrainedModel small = BenchModels.small();
    TrainedModel large = BenchModels.large();
    TrainedModel vae = BenchModels.vae();
    TrainedModel recommender = BenchModels.recommender();
    for (String e : engines) {
      EngineKind engine = EngineKind.parse(e);
      try (ServerProcess server = ServerProcess.start(engine)) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
            .maxInboundMessageSize(64 << 20).build();
        try {
          try (AeserveClient client = AeserveClient.forChannel(channel, Duration.ofMinutes(2))) {
            BenchModels.register(client, BenchModels.SMALL, small);
            BenchModels.register(client, BenchModels.LARGE, large);
            BenchModels.register(client, BenchModels.LARGE_UNBATCHED, large);
            BenchModels.register(client, BenchModels.LARGE_GUARDED, large);
            BenchModels.register(client, BenchModels.VAE, vae);
            BenchModels.register(client, BenchModels.RECOMMENDER, recommender);
            BenchModels.register(client, BenchModels.SHADOWED, large);
            client.uploadVersion(BenchModels.SHADOWED, large.spec().toJson(), "{}", null, large.weights());
          }
          Map<String, Object> results = runEngine(engine, server, channel, large);
          results.put("rss_mib", server.rssMib());
          report.engine(engine, results);
        } finally {
          channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
      }
    }
    log(EngineKind.MXNET, "matrix encodings, serialize + parse + decode");
    report.codec(CodecTiming.measure());
    report.write(out);
    System.out.println("wrote " + out.resolve("benchmarks.md") + " and " + out.resolve("benchmarks.json"));
    return 0;
  }

  private Map<String, Object> runEngine(EngineKind engine, ServerProcess server, ManagedChannel channel,
      TrainedModel large)
      throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    Duration measure = Duration.ofSeconds(seconds);
    Duration warm = Duration.ofSeconds(warmup);
    var blocking = AutoencoderGrpc.newBlockingStub(channel);
    var async = AutoencoderGrpc.newFutureStub(channel);
    EncodeRequest w1Small = encode(BenchModels.SMALL, 1);
    EncodeRequest w1Large = encode(BenchModels.LARGE, 1);
    log(engine, "W1 small, concurrency " + CONCURRENCY);
    Measured small = measured(server, 1,
        () -> LoadGenerator.closedLoop(CONCURRENCY, warm, measure, () -> blocking.encode(w1Small)));
    r.put("w1_small", small.row());

    log(engine, "echo with W1's payload");
    Measured echo = measured(server, 1, () -> LoadGenerator.closedLoop(CONCURRENCY, warm, measure,
        () -> ClientCalls.blockingUnaryCall(channel, EchoService.ECHO, io.grpc.CallOptions.DEFAULT, w1Small)));
    r.put("echo", echo.row());
    r.put("rpc_floor_w1_small", small.result().throughput() / echo.result().throughput());

    log(engine, "W1 large, batched and unbatched");
    MetricsSnapshot before = server.metrics();
    Measured largeBatched = measured(server, 1,
        () -> LoadGenerator.closedLoop(CONCURRENCY, warm, measure, () -> blocking.encode(w1Large)));
    r.put("w1_large", largeBatched.row());
    MetricsSnapshot after = server.metrics();
    EncodeRequest w1Unbatched = encode(BenchModels.LARGE_UNBATCHED, 1);
    Measured largeUnbatched = measured(server, 1,
        () -> LoadGenerator.closedLoop(CONCURRENCY, warm, measure, () -> blocking.encode(w1Unbatched)));
    r.put("w1_large_unbatched", largeUnbatched.row());
    r.put("batching_gain_w1_large", largeBatched.result().throughput() / largeUnbatched.result().throughput());
    double meanBatchRows = MetricsSnapshot.mean(before, after, "aeserve_batch_rows", BenchModels.LARGE, "encode");
    r.put("w1_large_mean_batch_rows", meanBatchRows);

    log(engine, "W1 large concurrency sweep");
    Map<String, Object> sweep = new LinkedHashMap<>();
    double maxThroughput = largeBatched.result().throughput();
    for (int c : new int[] {1, 8, 32, 128}) {
      Measured m = measured(server, 1, () -> LoadGenerator.closedLoop(c, warm, measure, () -> blocking.encode(w1Large)));
      sweep.put("c" + c, m.row());
      maxThroughput = Math.max(maxThroughput, m.result().throughput());
    }
    sweep.put("c" + CONCURRENCY, r.get("w1_large"));
    r.put("w1_large_sweep", sweep);

    log(engine, "engine alone at the server's mean batch size");
    int batchRows = Math.max(1, (int) Math.round(meanBatchRows));
    double engineRowsPerSecond = engineRowsPerSecond(engine, large, batchRows, measure);
    r.put("engine_rows_per_s_at_batch", engineRowsPerSecond);
    r.put("serving_efficiency", largeBatched.result().throughput() / engineRowsPerSecond);

    log(engine, "W2 reconstruct, 64 rows per request");
    ReconstructRequest w2 = ReconstructRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName(BenchModels.LARGE))
        .setInputs(MatrixCodec.encode(SyntheticData.manifold(64, 784, 9), MatrixEncoding.MATRIX_ENCODING_RAW_LE))
        .build();
    Measured w2raw = measured(server, 64,
        () -> LoadGenerator.closedLoop(16, warm, measure, () -> blocking.reconstruct(w2)));
    r.put("w2_large", w2raw.row());

    log(engine, "W3 recommend, one user of 20 interactions per request, 10,000 items");
    java.util.Random random = new java.util.Random(3);
    List<RecommendRequest> w3 = new java.util.ArrayList<>();
    for (int u = 0; u < 256; u++) {
      UserHistory.Builder h = UserHistory.newBuilder().setUserId("u" + u);
      for (int k = 0; k < 20; k++) {
        h.addInteractions(Interaction.newBuilder().setItemId("i" + random.nextInt(BenchModels.ITEMS)).setValue(1));
      }
      w3.add(RecommendRequest.newBuilder().setModel(ModelRef.newBuilder().setName(BenchModels.RECOMMENDER)).setK(20)
          .addUsers(h).build());
    }
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    r.put("w3_recommend", measured(server, 1, () -> LoadGenerator.closedLoop(16, warm, measure,
        () -> blocking.recommend(w3.get(Math.floorMod(next.getAndIncrement(), w3.size()))))).row());

    log(engine, "W4 sample, 16 rows per request");
    SampleRequest w4 = SampleRequest.newBuilder().setModel(ModelRef.newBuilder().setName(BenchModels.VAE)).setCount(16)
        .setSeed(7).build();
    r.put("w4_sample", measured(server, 16, () -> LoadGenerator.closedLoop(16, warm, measure,
        () -> blocking.sample(w4))).row());

    log(engine, "W2 with packed-float values instead of raw little-endian bytes");
    ReconstructRequest w2Values = w2.toBuilder()
        .setInputs(MatrixCodec.encode(SyntheticData.manifold(64, 784, 9), MatrixEncoding.MATRIX_ENCODING_VALUES))
        .build();
    Measured w2v = measured(server, 64,
        () -> LoadGenerator.closedLoop(16, warm, measure, () -> blocking.reconstruct(w2Values)));
    r.put("w2_large_values_encoding", w2v.row());
    r.put("w2_raw_over_values", w2raw.result().throughput() / w2v.result().throughput());

    log(engine, "shadow traffic: primary p99 without and with a shadow copying every call");
    var rollouts = dev.aeserve.proto.v1.RolloutsGrpc.newBlockingStub(channel);
    rollouts.setTraffic(dev.aeserve.proto.v1.SetTrafficRequest.newBuilder().setModel(BenchModels.SHADOWED)
        .addPrimaries(dev.aeserve.proto.v1.TrafficArm.newBuilder().setVersion(1).setWeight(100)).build());
    ReconstructRequest shadowed = w2.toBuilder().setModel(ModelRef.newBuilder().setName(BenchModels.SHADOWED)
        .setRoutingKey("bench")).setInputs(MatrixCodec.encode(SyntheticData.manifold(8, 784, 4),
        MatrixEncoding.MATRIX_ENCODING_RAW_LE)).build();
    Measured shadowFree = measured(server, 8,
        () -> LoadGenerator.closedLoop(4, warm, measure, () -> blocking.reconstruct(shadowed)));
    rollouts.setTraffic(dev.aeserve.proto.v1.SetTrafficRequest.newBuilder().setModel(BenchModels.SHADOWED)
        .addPrimaries(dev.aeserve.proto.v1.TrafficArm.newBuilder().setVersion(1).setWeight(100))
        .addShadows(dev.aeserve.proto.v1.TrafficArm.newBuilder().setVersion(2).setWeight(100)).build());
    Measured withShadow = measured(server, 8,
        () -> LoadGenerator.closedLoop(4, warm, measure, () -> blocking.reconstruct(shadowed)));
    r.put("shadow_off", shadowFree.row());
    r.put("shadow_on", withShadow.row());
    r.put("shadow_p99_ratio", withShadow.result().p99() / shadowFree.result().p99());

    log(engine, "latency at half load, overload at 3x, recovery (short queue)");
    EncodeRequest guarded = encode(BenchModels.LARGE_GUARDED, 1);
    Measured saturated = measured(server, 1,
        () -> LoadGenerator.closedLoop(CONCURRENCY, warm, measure, () -> blocking.encode(guarded)));
    r.put("guarded_saturated", saturated.row());
    double sustainable = saturated.result().throughput();
    MetricsSnapshot halfBefore = server.metrics();
    Measured half = measured(server, 1,
        () -> LoadGenerator.openLoop(sustainable / 2, measure, () -> async.encode(guarded)));
    r.put("half_load", half.row());
    MetricsSnapshot halfAfter = server.metrics();
    double computeMs = 1000 * MetricsSnapshot.mean(halfBefore, halfAfter, "aeserve_compute_seconds",
        BenchModels.LARGE_GUARDED, "encode");
    Measured overload = measured(server, 1,
        () -> LoadGenerator.openLoop(sustainable * 3, measure, () -> async.encode(guarded)));
    r.put("overload", overload.row());
    Measured recovery = measured(server, 1,
        () -> LoadGenerator.openLoop(sustainable / 2, measure, () -> async.encode(guarded)));
    r.put("recovery", recovery.row());
    r.put("half_load_p99_ms", half.result().p99());
    r.put("half_load_batch_compute_ms", computeMs);
    r.put("half_load_p99_bound_ms", BenchServer.GUARDED_POLICY.maxQueueDelay().toNanos() / 1e6 + 2 * computeMs);
    r.put("overload_p99_ratio", overload.result().p99() / half.result().p99());
    r.put("overload_target_per_s", sustainable * 3);
    r.put("overload_rejected", overload.result().rejected());
    r.put("overload_other_failures", overload.result().otherFailures());
    r.put("recovery_throughput_ratio", recovery.result().throughput() / (sustainable / 2));
    r.put("recovery_failures", recovery.result().rejected() + recovery.result().otherFailures());
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

  /** Runs a measurement and notes the CPU seconds the server and the generator spent on it. */
  private static Measured measured(ServerProcess server, int rowsPerRequest, Run run) throws Exception {
    double serverBefore = server.cpuSeconds();
    double selfBefore = CpuTime.self();
    LoadGenerator.Result r = run.get();
    Map<String, Object> m = result(r, rowsPerRequest);
    m.put("server_cpu_s", server.cpuSeconds() - serverBefore);
    m.put("generator_cpu_s", CpuTime.self() - selfBefore);
    return new Measured(r, m);
  }

  /** A measurement to run. */
  private interface Run {
    LoadGenerator.Result get() throws Exception;
  }

  /** A run's raw result and its row in the report. */
  private record Measured(LoadGenerator.Result result, Map<String, Object> row) {}

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
    if (!Double.isNaN(r.sentPerSecond())) {
      m.put("sent_per_s", r.sentPerSecond());
    }
    return m;
  }

  private static void log(EngineKind engine, String what) {
    System.err.printf(Locale.ROOT, "[%s] %s%n", engine.djlName(), what);
  }
}
