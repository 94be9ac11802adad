package dev.aeserve.bench;

import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.server.grpc.MatrixCodec;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * aeserve against TorchServe on W1-large (one row per request), interleaved: in each round every
 * server (one aeserve per engine, and TorchServe) runs the same concurrency sweep with the same
 * generator, all of them pinned to the server's core. Ratios are per round, then the median over
 * rounds, so a slow patch of a shared machine hits both sides of a ratio.
 */
final class PeerComparison {

  /** The sweep: c8 and c64 are the fixed-concurrency figures; all of it finds the best throughput under the SLO. */
  static final int[] SWEEP = {4, 8, 16, 32, 64, 128};
  static final double SLO_P99_MS = 25;

  private final List<EngineKind> engines;
  private final Pinning pinning;
  private final GeneratorChannels generator;
  private final Path venv;
  private final int rounds;
  private final Duration warm;
  private final Duration measure;

  PeerComparison(List<EngineKind> engines, Pinning pinning, GeneratorChannels generator, Path venv, int rounds,
      Duration warm, Duration measure) {
    this.engines = engines;
    this.pinning = pinning;
    this.generator = generator;
    this.venv = venv;
    this.rounds = rounds;
    this.warm = warm;
    this.measure = measure;
  }

  Map<String, Object> run(TrainedModel large) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("peer", "TorchServe 0.12.0");
    r.put("venv", venv.toString());
    r.put("protocol", "gRPC, TorchServe's own inference.proto (InferenceAPIsService/Predictions), one row of 784 "
        + "little-endian float32 in input \"data\"");
    r.put("batching", "batchSize " + TorchServePeer.BATCH_SIZE + ", maxBatchDelay " + TorchServePeer.MAX_BATCH_DELAY_MS
        + " ms, workers of 1 thread");
    r.put("model", "aeserve's trained W1-large encoder (784-1024-256-32), exported as TorchScript and checked "
        + "against aeserve's Encode");
    Path work = Path.of("bench", "target", "peer").toAbsolutePath();
    Path store;
    BenchSuite.log(EngineKind.PYTORCH, "TorchServe peer: install into " + venv + ", export, archive");
    try {
      store = TorchServePeer.prepare(Path.of("bench", "peers", "torchserve").toAbsolutePath(), venv, large, work);
    } catch (Exception e) {
      r.put("error", "the TorchServe peer could not be installed or prepared: " + e.getMessage());
      System.err.println(r.get("error"));
      return r;
    }
    float[] row = SyntheticData.manifold(1, 784, 1).data();
    List<byte[]> tsPayload = List.of(TorchServePeer.predictionsRequest(row));
    List<byte[]> aePayload = List.of(EncodeRequest.newBuilder().setModel(ModelRef.newBuilder().setName(BenchModels.LARGE))
        .setInputs(MatrixCodec.encode(SyntheticData.manifold(1, 784, 1), MatrixEncoding.MATRIX_ENCODING_RAW_LE))
        .build().toByteArray());

    // TorchServe's worker count: 1 or 2, whichever serves more at concurrency 64.
    int bestWorkers = 0;
    double best = -1;
    for (int workers : new int[] {1, 2}) {
      BenchSuite.log(EngineKind.PYTORCH, "TorchServe with " + workers + " worker(s), concurrency 64");
      try (TorchServePeer ts = TorchServePeer.start(venv, store, workers, pinning, work)) {
        var target = new RawUnaryTarget(generator.to(ts.grpcPort()), TorchServePeer.PREDICTIONS, tsPayload);
        LoadGenerator.Result res = LoadGenerator.closedLoop(target, ts::cpuSeconds, 64,
            warm.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : warm, measure);
        r.put("workers_" + workers + "_c64", BenchSuite.result(res, 1));
        if (res.otherFailures() == 0 && res.throughput() > best) {
          best = res.throughput();
          bestWorkers = workers;
        }
      } catch (Exception e) {
        r.put("error_workers_" + workers, e.getMessage());
        System.err.println("TorchServe with " + workers + " worker(s) failed: " + e.getMessage());
      }
    }
    if (bestWorkers == 0) {
      r.put("error", "TorchServe served no run without failures with 1 or 2 workers (see error_workers_*)");
      return r;
    }
    r.put("workers", bestWorkers);

    List<ServerProcess> servers = new ArrayList<>();
    TorchServePeer ts = null;
    try {
      Map<String, LoadGenerator.Target> targets = new LinkedHashMap<>();
      Map<String, LoadGenerator.CpuProbe> probes = new LinkedHashMap<>();
      for (EngineKind engine : engines) {
        ServerProcess s = ServerProcess.start(ServerProcess.Options.fresh(engine, pinning));
        servers.add(s);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", s.grpcPort()).usePlaintext()
            .maxInboundMessageSize(64 << 20).build();
        try (AeserveClient client = AeserveClient.forChannel(channel, Duration.ofMinutes(2))) {
          BenchModels.register(client, BenchModels.LARGE, large);
        } finally {
          channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        String key = "aeserve_" + engine.djlName().toLowerCase(Locale.ROOT);
        targets.put(key, new RawUnaryTarget(generator.to(s.grpcPort()),
            AutoencoderGrpc.getEncodeMethod().getFullMethodName(), aePayload));
        probes.put(key, s::cpuSeconds);
      }
      ts = TorchServePeer.start(venv, store, bestWorkers, pinning, work);
      TorchServePeer peer = ts;
      targets.put("torchserve", new RawUnaryTarget(generator.to(ts.grpcPort()), TorchServePeer.PREDICTIONS, tsPayload));
      probes.put("torchserve", peer::cpuSeconds);

      // Each server's first calls load and compile (aeserve loads a version on first use, TorchServe's
      // workers trace their first batches): one unmeasured run each before the rounds.
      Duration firstWarm = warm.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : warm;
      for (var t : targets.entrySet()) {
        BenchSuite.log(EngineKind.PYTORCH, "peer warm-up: " + t.getKey());
        LoadGenerator.closedLoop(t.getValue(), probes.get(t.getKey()), 64, firstWarm, Duration.ofSeconds(1));
      }
      List<Map<String, Object>> roundResults = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        Map<String, Object> thisRound = new LinkedHashMap<>();
        for (var t : targets.entrySet()) {
          Map<String, Object> sweep = new LinkedHashMap<>();
          for (int c : SWEEP) {
            BenchSuite.log(EngineKind.PYTORCH, "peer round " + round + ": " + t.getKey() + " at concurrency " + c);
            sweep.put("c" + c, BenchSuite.result(
                LoadGenerator.closedLoop(t.getValue(), probes.get(t.getKey()), c, warm, measure), 1));
          }
          thisRound.put(t.getKey(), sweep);
        }
        roundResults.add(thisRound);
      }
      r.put("rounds", roundResults);
      Map<String, Object> ratios = new LinkedHashMap<>();
      for (EngineKind engine : engines) {
        String key = "aeserve_" + engine.djlName().toLowerCase(Locale.ROOT);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("torchserve_ratio_w1_large_c64", median(roundResults, rr -> at(rr, key, "c64") / at(rr, "torchserve", "c64")));
        e.put("torchserve_ratio_w1_large_c8", median(roundResults, rr -> at(rr, key, "c8") / at(rr, "torchserve", "c8")));
        e.put("torchserve_ratio_slo_25ms", median(roundResults, rr -> underSlo(rr, key) / underSlo(rr, "torchserve")));
        e.put("server_cpu_ms_per_request_c64", median(roundResults, rr -> cpuAt(rr, key, "c64")));
        ratios.put(engine.djlName(), e);
      }
      r.put("torchserve_server_cpu_ms_per_request_c64", median(roundResults, rr -> cpuAt(rr, "torchserve", "c64")));
      r.put("ratios", ratios);
    } catch (Exception e) {
      r.put("error", "the interleaved rounds failed: " + e);
      System.err.println(r.get("error"));
    } finally {
      if (ts != null) {
        ts.close();
      }
      for (ServerProcess s : servers) {
        s.close();
      }
    }
    return r;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> row(Map<String, Object> round, String server, String c) {
    return (Map<String, Object>) ((Map<String, Object>) round.get(server)).get(c);
  }

  private static double at(Map<String, Object> round, String server, String c) {
    return ((Number) row(round, server, c).get("requests_per_s")).doubleValue();
  }

  private static double cpuAt(Map<String, Object> round, String server, String c) {
    return ((Number) row(round, server, c).get("server_cpu_ms_per_request")).doubleValue();
  }

  /** The highest throughput of the sweep with p99 under the SLO; NaN when no concurrency met it. */
  @SuppressWarnings("unchecked")
  private static double underSlo(Map<String, Object> round, String server) {
    double best = Double.NaN;
    for (Object v : ((Map<String, Object>) round.get(server)).values()) {
      Map<String, Object> m = (Map<String, Object>) v;
      double p99 = ((Number) m.get("p99_ms")).doubleValue();
      long failed = ((Number) m.get("other_failures")).longValue();
      if (p99 < SLO_P99_MS && failed == 0) {
        double t = ((Number) m.get("requests_per_s")).doubleValue();
        best = Double.isNaN(best) ? t : Math.max(best, t);
      }
    }
    return best;
  }

  private static double median(List<Map<String, Object>> rounds,
      java.util.function.ToDoubleFunction<Map<String, Object>> f) {
    double[] v = rounds.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
    return v.length == 0 ? Double.NaN : v[v.length / 2];
  }
}
