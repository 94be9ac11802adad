package dev.aeserve.bench;

import dev.aeserve.autoencoders.EngineKind;
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
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the aeserve benchmark suite; writes benchmarks.md and benchmarks.json to --out.")
public final class BenchSuite implements Callable<Integer> {

  static final int CONCURRENCY = 64;
  /** The sections of a run, in order; --only picks some. */
  static final List<String> SECTIONS = List.of("workloads", "many_models", "startup", "codec", "peers");

  @Option(names = "--seconds", defaultValue = "8", description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds per run (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--engines", split = ",", defaultValue = "mxnet,pytorch", description = "Engines to compare (default: ${DEFAULT-VALUE}).")
  List<String> engines;

  @Option(names = "--only", split = ",", description = "Run only these sections: workloads, many_models, startup, codec, peers (default: all; peers only with --peers).")
  List<String> only;

  @Option(names = "--peers", split = ",", description = "Peer servers to run interleaved with aeserve: torchserve (opt-in; installs TorchServe 0.12 into --peer-venv).")
  List<String> peers = List.of();

  @Option(names = "--peer-venv", description = "The TorchServe peer's virtual environment (default: bench/.peers/torchserve-venv; created when missing).")
  Path peerVenv;

  @Option(names = "--peer-rounds", defaultValue = "3", description = "Interleaved rounds of aeserve and the peer (default: ${DEFAULT-VALUE}).")
  int peerRounds;

  @Option(names = "--server-cpu", defaultValue = "0", description = "Core the server side is pinned to (default: ${DEFAULT-VALUE}).")
  int serverCpu;

  @Option(names = "--generator-cpu", defaultValue = "1", description = "Core bench/run pinned this generator to (default: ${DEFAULT-VALUE}; recorded in the report).")
  int generatorCpu;

  @Option(names = "--no-pin", description = "Pin nothing (the server and the generator share every core).")
  boolean noPin;

  @Option(names = "--connections", defaultValue = "2", description = "Generator HTTP/2 connections per server, one transport thread each (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--many-models", defaultValue = "1000", description = "many_models: registered versions (default: ${DEFAULT-VALUE}).")
  int manyModels;

  @Option(names = "--many-models-budget", defaultValue = "100", description = "many_models: versions the memory budget holds (default: ${DEFAULT-VALUE}).")
  int manyModelsBudget;

  @Option(names = "--startup-runs", defaultValue = "3", description = "Server starts the start-to-SERVING median is taken over (default: ${DEFAULT-VALUE}).")
  int startupRuns;

  @Option(names = "--out", defaultValue = "docs", description = "Where benchmarks.md and benchmarks.json go (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--logs", defaultValue = "bench/target/bench-logs", description = "Where the servers' logs of the "
      + "run are kept, one per server started (default: ${DEFAULT-VALUE}; the report names them).")
  Path logs;

  public static void main(String[] args) {
    // bench/run passes --out docs first; a later --out (a scratch folder for a smoke run) wins.
    System.exit(new CommandLine(new BenchSuite()).setOverwrittenOptionsAllowed(true).execute(args));
  }

  private boolean runs(String section) {
    if (section.equals("peers") && peers.isEmpty()) {
      return false;
    }
    return only == null || only.contains(section);
  }

  @Override
  public Integer call() throws Exception {
    for (String o : only == null ? List.<String>of() : only) {
      if (!SECTIONS.contains(o)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--only: no section '" + o + "'; sections: " + SECTIONS);
      }
    }
    for (String p : peers) {
      if (!p.equals("torchserve")) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--peers: no peer '" + p + "'; peers: torchserve");
      }
    }
    Pinning pinning = noPin ? Pinning.NONE : new Pinning(serverCpu, generatorCpu);
    Report report = new Report(seconds, warmup, pinning, String.join(" ", commandLine()));
    Duration measure = Duration.ofSeconds(seconds);
    Duration warm = Duration.ofSeconds(warmup);
    try (GeneratorChannels generator = new GeneratorChannels(connections)) {
      TrainedModel large = null;
      if (runs("workloads") || runs("peers")) {
        large = BenchModels.large();
      }
      if (runs("workloads")) {
        TrainedModel small = BenchModels.small();
        TrainedModel vae = BenchModels.vae();
        TrainedModel recommender = BenchModels.recommender();
        for (String e : engines) {
          EngineKind engine = EngineKind.parse(e);
          Path serverLog = logs.resolve("workloads-" + engine.djlName().toLowerCase(Locale.ROOT) + ".log");
          try (ServerProcess server = ServerProcess.start(ServerProcess.Options.fresh(engine, pinning)
              .keepingLogAs(serverLog))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
            try {
              try (AeserveClient client = AeserveClient.forChannel(channel, Duration.ofMinutes(2))) {
                BenchModels.register(client, BenchModels.SMALL, small);
                BenchModels.register(client, BenchModels.LARGE, large);
                BenchModels.register(client, BenchModels.LARGE_UNBATCHED, large);
                BenchModels.registerOnnx(client, BenchModels.LARGE_ONNX, large);
                BenchModels.registerOnnx(client, BenchModels.LARGE_ONNX_UNBATCHED, large);
                BenchModels.register(client, BenchModels.LARGE_GUARDED, large);
                BenchModels.register(client, BenchModels.VAE, vae);
                BenchModels.register(client, BenchModels.RECOMMENDER, recommender);
                BenchModels.register(client, BenchModels.SHADOWED, large);
                client.uploadVersion(BenchModels.SHADOWED, large.spec().toJson(), "{}", null, large.weights());
              }
              Map<String, Object> results = runEngine(engine, server, channel, generator, pinning, large);
              results.put("rss_mib", server.rssMib());
              results.put("server_log", serverLog.toAbsolutePath().toString());
              report.engine(engine, results);
            } finally {
              channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
          }
        }
      }
      if (runs("many_models")) {
        EngineKind engine = EngineKind.parse(engines.get(0));
        log(engine, "many_models: " + manyModels + " versions, a budget of " + manyModelsBudget + ", Zipf mix");
        report.manyModels(ManyModels.run(engine, BenchModels.small(), manyModels, manyModelsBudget, pinning, generator,
            warm, measure, logs.resolve("many-models-" + engine.djlName().toLowerCase(Locale.ROOT) + ".log")));
      }
      if (runs("startup")) {
        EngineKind engine = EngineKind.parse(engines.get(0));
        log(engine, "start to SERVING with 20 registered versions");
        report.startup(StartupBench.measure(engine, 20, startupRuns, logs));
      }
      if (runs("codec")) {
        log(EngineKind.MXNET, "matrix encodings, serialize + parse + decode");
        report.codec(CodecTiming.measure());
      }
      if (runs("peers")) {
        report.peer(new PeerComparison(engines.stream().map(EngineKind::parse).toList(), pinning, generator,
            peerVenv(), peerRounds, warm, measure).run(large));
      }
    }
    report.write(out);
    System.out.println("wrote " + out.resolve("benchmarks.md") + " and " + out.resolve("benchmarks.json"));
    return 0;
  }

  private Path peerVenv() {
    return peerVenv != null ? peerVenv : Path.of("bench", ".peers", "torchserve-venv").toAbsolutePath();
  }

  /** The options this run was given, for the report. */
  private List<String> commandLine() {
    List<String> c = new java.util.ArrayList<>(List.of("bench/run", "--seconds", "" + seconds, "--warmup", "" + warmup,
        "--engines", String.join(",", engines)));
    if (only != null) {
      c.add("--only");
      c.add(String.join(",", only));
    }
    if (!peers.isEmpty()) {
      c.add("--peers");
      c.add(String.join(",", peers));
      c.add("--peer-rounds");
      c.add("" + peerRounds);
    }
    if (noPin) {
      c.add("--no-pin");
    }
    return c;
  }

  private Map<String, Object> runEngine(EngineKind engine, ServerProcess server, ManagedChannel channel,
      GeneratorChannels generator, Pinning pinning, TrainedModel large) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    Duration measure = Duration.ofSeconds(seconds);
    Duration warm = Duration.ofSeconds(warmup);
    List<ManagedChannel> channels = generator.to(server.grpcPort());
    LoadGenerator.CpuProbe cpu = server::cpuSeconds;
    String encodeMethod = AutoencoderGrpc.getEncodeMethod().getFullMethodName();
    String reconstructMethod = AutoencoderGrpc.getReconstructMethod().getFullMethodName();
    var w1Small = new RawUnaryTarget(channels, encodeMethod, List.of(encode(BenchModels.SMALL, 1).toByteArray()));
    var w1Large = new RawUnaryTarget(channels, encodeMethod, List.of(encode(BenchModels.LARGE, 1).toByteArray()));
    var echoTarget = new RawUnaryTarget(channels, EchoService.ECHO.getFullMethodName(),
        List.of(encode(BenchModels.SMALL, 1).toByteArray()));
    // The server's JIT compiles the per-request path during its first tens of thousands of calls; a
    // run's own warm-up is too short for that, so whichever workload came first paid for it (W1-small
    // cost 0.116 ms of server CPU per call where W1-large, measured later, cost 0.072). Every path the
    // first figures use is warmed here, unmeasured, for five warm-ups' worth each.
    log(engine, "warming the server's JIT: W1 small, echo and W1 large, unmeasured");
    Duration jitWarmup = warm.multipliedBy(5).plusSeconds(5);
    for (RawUnaryTarget t : List.of(w1Small, echoTarget, w1Large)) {
      LoadGenerator.closedLoop(t, cpu, CONCURRENCY, Duration.ZERO, jitWarmup.dividedBy(3));
    }

    log(engine, "W1 small, concurrency " + CONCURRENCY);
    LoadGenerator.Result small = LoadGenerator.closedLoop(w1Small, cpu, CONCURRENCY, warm, measure);
    r.put("w1_small", result(small, 1));

    log(engine, "echo with W1's payload");
    LoadGenerator.Result echo = LoadGenerator.closedLoop(echoTarget, cpu, CONCURRENCY, warm, measure);
    r.put("echo", result(echo, 1));
    r.put("rpc_floor_w1_small", small.throughput() / echo.throughput());
    r.put("server_cpu_per_request_ratio", small.serverCpuMsPerCall() / echo.serverCpuMsPerCall());

    log(engine, "W1 large, batched and unbatched");
    MetricsSnapshot before = server.metrics();
    LoadGenerator.Result largeBatched = LoadGenerator.closedLoop(w1Large, cpu, CONCURRENCY, warm, measure);
    r.put("w1_large", result(largeBatched, 1));
    MetricsSnapshot after = server.metrics();
    LoadGenerator.Result largeUnbatched = LoadGenerator.closedLoop(new RawUnaryTarget(channels, encodeMethod,
        List.of(encode(BenchModels.LARGE_UNBATCHED, 1).toByteArray())), cpu, CONCURRENCY, warm, measure);
    r.put("w1_large_unbatched", result(largeUnbatched, 1));
    r.put("batching_gain_w1_large", largeBatched.throughput() / largeUnbatched.throughput());
    // The baseline has no wait bound (BenchServer.UNBATCHED_POLICY): a refusal here would inflate the
    // gain (the baseline's core spent time refusing instead of serving), so the count sits beside it.
    r.put("batching_gain_w1_large_baseline_refused", largeUnbatched.rejected());

    log(engine, "W1 large imported from ONNX (ONNX Runtime), batched and unbatched");
    LoadGenerator.Result onnxBatched = LoadGenerator.closedLoop(new RawUnaryTarget(channels, encodeMethod,
        List.of(encode(BenchModels.LARGE_ONNX, 1).toByteArray())), cpu, CONCURRENCY, warm, measure);
    r.put("w1_large_onnx", result(onnxBatched, 1));
    LoadGenerator.Result onnxUnbatched = LoadGenerator.closedLoop(new RawUnaryTarget(channels, encodeMethod,
        List.of(encode(BenchModels.LARGE_ONNX_UNBATCHED, 1).toByteArray())), cpu, CONCURRENCY, warm, measure);
    r.put("w1_large_onnx_unbatched", result(onnxUnbatched, 1));
    r.put("onnx_batching_gain_w1_large", onnxBatched.throughput() / onnxUnbatched.throughput());
    r.put("onnx_batching_gain_w1_large_baseline_refused", onnxUnbatched.rejected());
    double meanBatchRows = MetricsSnapshot.mean(before, after, "aeserve_batch_rows", BenchModels.LARGE, "encode");
    r.put("w1_large_mean_batch_rows", meanBatchRows);

    log(engine, "W1 large concurrency sweep");
    Map<String, Object> sweep = new LinkedHashMap<>();
    for (int c : new int[] {1, 8, 32, 128}) {
      sweep.put("c" + c, result(LoadGenerator.closedLoop(w1Large, cpu, c, warm, measure), 1));
    }
    sweep.put("c" + CONCURRENCY, r.get("w1_large"));
    r.put("w1_large_sweep", sweep);

    log(engine, "engine alone on the server's core at the server's mean batch size");
    int batchRows = Math.max(1, (int) Math.round(meanBatchRows));
    double engineRowsPerSecond = EngineAlone.rowsPerSecond(engine, large, batchRows, measure, pinning);
    r.put("engine_rows_per_s_at_batch", engineRowsPerSecond);
    r.put("serving_efficiency", largeBatched.throughput() / engineRowsPerSecond);

    log(engine, "W2 reconstruct, 64 rows per request");
    ReconstructRequest w2 = ReconstructRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName(BenchModels.LARGE))
        .setInputs(MatrixCodec.encode(SyntheticData.manifold(64, 784, 9), MatrixEncoding.MATRIX_ENCODING_RAW_LE))
        .build();
    LoadGenerator.Result w2raw = LoadGenerator.closedLoop(
        new RawUnaryTarget(channels, reconstructMethod, List.of(w2.toByteArray())), cpu, 16, warm, measure);
    r.put("w2_large", result(w2raw, 64));

    log(engine, "W3 recommend, one user of 20 interactions per request, 10,000 items");
    java.util.Random random = new java.util.Random(3);
    List<byte[]> w3 = new java.util.ArrayList<>();
    for (int u = 0; u < 256; u++) {
      UserHistory.Builder h = UserHistory.newBuilder().setUserId("u" + u);
      for (int k = 0; k < 20; k++) {
        h.addInteractions(Interaction.newBuilder().setItemId("i" + random.nextInt(BenchModels.ITEMS)).setValue(1));
      }
      w3.add(RecommendRequest.newBuilder().setModel(ModelRef.newBuilder().setName(BenchModels.RECOMMENDER)).setK(20)
          .addUsers(h).build().toByteArray());
    }
    r.put("w3_recommend", result(LoadGenerator.closedLoop(new RawUnaryTarget(channels,
        AutoencoderGrpc.getRecommendMethod().getFullMethodName(), w3), cpu, 16, warm, measure), 1));

    log(engine, "W4 sample, 16 rows per request");
    SampleRequest w4 = SampleRequest.newBuilder().setModel(ModelRef.newBuilder().setName(BenchModels.VAE)).setCount(16)
        .setSeed(7).build();
    r.put("w4_sample", result(LoadGenerator.closedLoop(new RawUnaryTarget(channels,
        AutoencoderGrpc.getSampleMethod().getFullMethodName(), List.of(w4.toByteArray())), cpu, 16, warm, measure), 16));

    log(engine, "W2 with packed-float values instead of raw little-endian bytes");
    ReconstructRequest w2Values = w2.toBuilder()
        .setInputs(MatrixCodec.encode(SyntheticData.manifold(64, 784, 9), MatrixEncoding.MATRIX_ENCODING_VALUES))
        .build();
    LoadGenerator.Result w2v = LoadGenerator.closedLoop(
        new RawUnaryTarget(channels, reconstructMethod, List.of(w2Values.toByteArray())), cpu, 16, warm, measure);
    r.put("w2_large_values_encoding", result(w2v, 64));
    r.put("w2_raw_over_values", w2raw.throughput() / w2v.throughput());

    log(engine, "shadow traffic: primary p99 without and with a shadow copying every call");
    var rollouts = dev.aeserve.proto.v1.RolloutsGrpc.newBlockingStub(channel);
    rollouts.setTraffic(dev.aeserve.proto.v1.SetTrafficRequest.newBuilder().setModel(BenchModels.SHADOWED)
        .addPrimaries(dev.aeserve.proto.v1.TrafficArm.newBuilder().setVersion(1).setWeight(100)).build());
    ReconstructRequest shadowed = w2.toBuilder().setModel(ModelRef.newBuilder().setName(BenchModels.SHADOWED)
        .setRoutingKey("bench")).setInputs(MatrixCodec.encode(SyntheticData.manifold(8, 784, 4),
        MatrixEncoding.MATRIX_ENCODING_RAW_LE)).build();
    var shadowTarget = new RawUnaryTarget(channels, reconstructMethod, List.of(shadowed.toByteArray()));
    LoadGenerator.Result shadowFree = LoadGenerator.closedLoop(shadowTarget, cpu, 4, warm, measure);
    rollouts.setTraffic(dev.aeserve.proto.v1.SetTrafficRequest.newBuilder().setModel(BenchModels.SHADOWED)
        .addPrimaries(dev.aeserve.proto.v1.TrafficArm.newBuilder().setVersion(1).setWeight(100))
        .addShadows(dev.aeserve.proto.v1.TrafficArm.newBuilder().setVersion(2).setWeight(100)).build());
    LoadGenerator.Result withShadow = LoadGenerator.closedLoop(shadowTarget, cpu, 4, warm, measure);
    r.put("shadow_off", result(shadowFree, 8));
    r.put("shadow_on", result(withShadow, 8));
    r.put("shadow_p99_ratio", withShadow.p99() / shadowFree.p99());

    log(engine, "latency at half load, overload at 3x, recovery (short queue)");
    var guarded = new RawUnaryTarget(channels, encodeMethod, List.of(encode(BenchModels.LARGE_GUARDED, 1).toByteArray()));
    LoadGenerator.Result saturated = LoadGenerator.closedLoop(guarded, cpu, CONCURRENCY, warm, measure);
    r.put("guarded_saturated", result(saturated, 1));
    double sustainable = saturated.throughput();
    MetricsSnapshot halfBefore = server.metrics();
    LoadGenerator.Result half = LoadGenerator.openLoop(guarded, cpu, sustainable / 2, warm, measure);
    r.put("half_load", result(half, 1));
    MetricsSnapshot halfAfter = server.metrics();
    double computeMs = 1000 * MetricsSnapshot.mean(halfBefore, halfAfter, "aeserve_compute_seconds",
        BenchModels.LARGE_GUARDED, "encode");
    LoadGenerator.Result overload = LoadGenerator.openLoop(guarded, cpu, sustainable * 3, Duration.ZERO, measure);
    r.put("overload", result(overload, 1));
    LoadGenerator.Result recovery = LoadGenerator.openLoop(guarded, cpu, sustainable / 2, Duration.ZERO, measure);
    r.put("recovery", result(recovery, 1));
    r.put("half_load_p99_ms", half.p99());
    r.put("half_load_batch_compute_ms", computeMs);
    r.put("half_load_p99_bound_ms", BenchServer.GUARDED_POLICY.maxQueueDelay().toNanos() / 1e6 + 2 * computeMs);
    r.put("overload_p99_ratio", overload.p99() / half.p99());
    r.put("overload_target_per_s", sustainable * 3);
    r.put("overload_offered_per_s", overload.offeredPerSecond());
    r.put("overload_sent_per_s", overload.sentPerSecond());
    r.put("overload_rejected", overload.rejected());
    r.put("overload_other_failures", overload.otherFailures());
    r.put("recovery_throughput_ratio", recovery.throughput() / (sustainable / 2));
    r.put("recovery_failures", recovery.rejected() + recovery.otherFailures());
    return r;
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
    m.put("other_failures_outside_window", r.failuresOutsideWindow());
    m.put("server_cpu_s", r.serverCpuSeconds());
    m.put("server_cpu_ms_per_request", r.serverCpuMsPerCall());
    m.put("generator_cpu_s", r.generatorCpuSeconds());
    if (r.failed().total() > 0) {
      // Every call that did not end OK in the run (warm-up included), with its status's words.
      m.put("failed_calls", r.failed().toMap());
    }
    if (!Double.isNaN(r.offeredPerSecond())) {
      m.put("offered_per_s", r.offeredPerSecond());
      m.put("sent_per_s", r.sentPerSecond());
    }
    return m;
  }

  static void log(EngineKind engine, String what) {
    System.err.printf(Locale.ROOT, "[%s] %s%n", engine.djlName(), what);
  }
}
