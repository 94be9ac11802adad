package dev.aeserve.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.aeserve.autoencoders.EngineKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes the suite's results: {@code benchmarks.json} (stable names) and {@code benchmarks.md}. */
final class Report {

  /** The figures with their targets: name, target text, and whether a value meets it. */
  private record Figure(String name, String description, String target, java.util.function.BiPredicate<Double, Map<String, Object>> met) {}

  private static final java.util.function.BiPredicate<Double, Map<String, Object>> PEER_TARGET =
      (v, r) -> v >= ("PyTorch".equals(r.get("engine")) ? 2.5 : 2.0);

  private static final List<Figure> FIGURES = List.of(
      new Figure("batching_gain_w1_large", "W1-large throughput, dynamic batching over none, concurrency 64 (the "
          + "baseline refuses nothing: no max_queue_wait; its refusals are shown, and any makes the gain invalid)", ">= 3",
          (v, r) -> v >= 3 && baselineRefused(r, "batching_gain_w1_large") == 0),
      new Figure("onnx_batching_gain_w1_large", "the same, for W1-large imported as an ONNX pair (ONNX Runtime)", ">= 3",
          (v, r) -> v >= 3 && baselineRefused(r, "onnx_batching_gain_w1_large") == 0),
      new Figure("serving_efficiency", "W1-large rows/s at concurrency 64, server pinned to one core, over the "
          + "engine's own rows/s on that core at the server's mean batch size", ">= 0.7", (v, r) -> v >= 0.7),
      new Figure("server_cpu_per_request_ratio", "server CPU per request (its own /proc accounting), W1-small over "
          + "the echo with the same payload, concurrency 64", "<= 2.0", (v, r) -> v <= 2.0),
      new Figure("rpc_floor_w1_small", "W1-small throughput over an echo RPC with the same payload", ">= 0.5",
          (v, r) -> v >= 0.5),
      new Figure("half_load_p99_ms", "p99 at half the sustainable rate (short-queue model)",
          "<= max_queue_delay + 2 x batch compute", (v, r) -> v <= ((Number) r.get("half_load_p99_bound_ms")).doubleValue()),
      new Figure("shadow_p99_ratio", "primary p99 with a shadow copying every call over without (closed loop, 4 callers)",
          "< 1.10", (v, r) -> v < 1.10),
      new Figure("overload_p99_ratio", "admitted p99 at an offered 3x the sustainable rate (open loop; offered and "
          + "sent rates below) over the half-load p99", "<= 2", (v, r) -> v <= 2),
      new Figure("overload_other_failures", "failures other than RESOURCE_EXHAUSTED at 3x", "0", (v, r) -> v == 0),
      new Figure("recovery_throughput_ratio", "throughput at half load right after the overload, over the offered rate",
          ">= 0.95", (v, r) -> v >= 0.95),
      new Figure("torchserve_ratio_w1_large_c64", "W1-large requests/s, aeserve over TorchServe 0.12, concurrency 64 "
          + "(median of interleaved rounds)", ">= 2.5 PyTorch, >= 2.0 MXNet", PEER_TARGET),
      new Figure("torchserve_ratio_w1_large_c8", "the same at concurrency 8", ">= 2.5 PyTorch, >= 2.0 MXNet", PEER_TARGET),
      new Figure("torchserve_ratio_slo_25ms", "highest W1-large requests/s with p99 under 25 ms over a concurrency "
          + "sweep, aeserve over TorchServe", ">= 2.5 PyTorch, >= 2.0 MXNet", PEER_TARGET));

  /** Calls the unbatched baseline of a batching gain refused (RESOURCE_EXHAUSTED); 0 when not recorded. */
  private static double baselineRefused(Map<String, Object> r, String gain) {
    Object v = r.get(gain + BASELINE_REFUSED);
    return v == null ? 0 : ((Number) v).doubleValue();
  }

  /** Suffix of the count recorded beside each batching gain: its baseline's refused calls. */
  static final String BASELINE_REFUSED = "_baseline_refused";

  private final int seconds;
  private final int warmup;
  private final Pinning pinning;
  private final String command;
  private final Map<String, Map<String, Object>> engines = new LinkedHashMap<>();
  private Map<String, Object> codec;
  private Map<String, Object> manyModels;
  private Map<String, Object> startup;
  private Map<String, Object> peer;

  Report(int seconds, int warmup, Pinning pinning, String command) {
    this.seconds = seconds;
    this.warmup = warmup;
    this.pinning = pinning;
    this.command = command;
  }

  void codec(Map<String, Object> timings) {
    this.codec = timings;
  }

  void engine(EngineKind engine, Map<String, Object> results) {
    engineMap(engine.djlName()).putAll(results);
  }

  private Map<String, Object> engineMap(String name) {
    return engines.computeIfAbsent(name, n -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("engine", n);
      return m;
    });
  }

  void manyModels(Map<String, Object> results) {
    this.manyModels = results;
  }

  void startup(Map<String, Object> results) {
    this.startup = results;
  }

  @SuppressWarnings("unchecked")
  void peer(Map<String, Object> results) {
    this.peer = results;
    Object ratios = results.get("ratios");
    if (ratios instanceof Map<?, ?> m) {
      ((Map<String, Map<String, Object>>) m).forEach((e, r) -> engineMap(e).putAll(r));
    }
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("generated_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    json.put("machine", machine());
    json.put("command", command);
    json.put("pinning", pinning.describe());
    if (!engines.isEmpty()) {
      Map<String, Object> primary = engines.values().iterator().next();
      json.put("primary_engine", engines.keySet().iterator().next());
      for (Figure f : FIGURES) {
        if (primary.get(f.name()) != null) {
          json.put(f.name(), primary.get(f.name()));
        }
        if (primary.get(f.name() + BASELINE_REFUSED) != null) {
          json.put(f.name() + BASELINE_REFUSED, primary.get(f.name() + BASELINE_REFUSED));
        }
      }
      if (primary.get("rss_mib") != null) {
        json.put("rss_mib", primary.get("rss_mib"));
      }
    }
    if (manyModels != null) {
      json.put("many_models", manyModels);
    }
    if (startup != null) {
      json.put("start_to_serving_s", startup.get("start_to_serving_s"));
      json.put("db_ready_to_serving_s", startup.get("db_ready_to_serving_s"));
      if (startup.get("with_history") instanceof Map<?, ?> h) {
        json.put("db_ready_to_serving_with_history_s", h.get("db_ready_to_serving_s"));
      }
      json.put("startup", startup);
    }
    if (codec != null) {
      json.put("codec", codec);
    }
    if (peer != null) {
      json.put("peer", peer);
    }
    json.put("engines", engines);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("benchmarks.json").toFile(), json);
    Files.writeString(dir.resolve("benchmarks.md"), markdown(json));
  }

  /** A target not met links to the figure's section of the hand-written analysis. */
  private static String verdict(String figure, boolean met) {
    return met ? " (met)" : " (**not met**: [why](benchmarks-analysis.md#" + figure + "))";
  }

  private String markdown(Map<String, Object> json) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n");
    md.append("Produced by `").append(json.get("command")).append("` on ")
        .append(json.get("generated_at")).append(". Rerun it to regenerate this page and `benchmarks.json`.\n\n");
    md.append("Machine: ").append(json.get("machine")).append(". Pinning: ").append(json.get("pinning")).append(".\n\n");
    md.append("What the figures mean, how they are measured, and for each target not met the profile that explains ")
        .append("it and what would close it: [benchmarks-analysis.md](benchmarks-analysis.md) (written by hand for the ")
        .append("run committed with it; rerunning replaces the numbers below, not that page).\n\n");
    md.append("The server runs in its own JVM (").append(ServerProcess.SERVER_HEAP).append(", an embedded Postgres ")
        .append("beside it) on one core; the load generator (asynchronous gRPC calls on a few transport threads, ")
        .append("requests serialized once, latencies in HdrHistogram) runs in another JVM on the other core. ")
        .append("Server CPU is the server process's own accounting (/proc/PID/stat, user + system) over the measured ")
        .append("window. Each run is ").append(warmup).append(" s of warm-up and ").append(seconds)
        .append(" s measured.\n\n");
    if (!engines.isEmpty()) {
      md.append("## Figures\n\n| figure | target |");
      engines.keySet().forEach(e -> md.append(' ').append(e).append(" |"));
      md.append("\n|---|---|");
      engines.keySet().forEach(e -> md.append("---|"));
      md.append('\n');
      for (Figure f : FIGURES) {
        if (engines.values().stream().allMatch(r -> r.get(f.name()) == null)) {
          continue;
        }
        md.append("| `").append(f.name()).append("`: ").append(f.description()).append(" | ").append(f.target()).append(" |");
        for (Map<String, Object> r : engines.values()) {
          Object v = r.get(f.name());
          if (v == null) {
            md.append(" not run |");
            continue;
          }
          double d = ((Number) v).doubleValue();
          md.append(' ').append(fmt(d)).append(verdict(f.name(), !Double.isNaN(d) && f.met().test(d, r)));
          if (r.get(f.name() + BASELINE_REFUSED) != null) {
            double refused = baselineRefused(r, f.name());
            md.append("; baseline refused ").append(fmt(refused)).append(refused > 0 ? " calls: the gain is inflated" : "");
          }
          md.append(" |");
        }
        md.append('\n');
      }
      if (engines.values().stream().anyMatch(r -> r.get("rss_mib") != null)) {
        md.append("| `rss_mib`: server process RSS after the run, every benchmark model loaded | < 1024 |");
        for (Map<String, Object> r : engines.values()) {
          if (r.get("rss_mib") == null) {
            md.append(" not run |");
            continue;
          }
          double rss = ((Number) r.get("rss_mib")).doubleValue();
          md.append(' ').append(fmt(rss)).append(verdict("rss_mib", rss < 1024)).append(" |");
        }
        md.append('\n');
      }
      md.append('\n');
    }
    if (manyModels != null) {
      manyModelsSection(md);
    }
    if (startup != null) {
      double s = ((Number) startup.get("db_ready_to_serving_s")).doubleValue();
      md.append("## Start to SERVING\n\n").append(startup.get("versions")).append(" registered versions of ")
          .append(startup.get("model")).append(", every one preloaded, the server alone on the machine: ")
          .append("`start_to_serving_s` (process start to SERVING, median) ").append(fmt(startup.get("start_to_serving_s")))
          .append(" s; `db_ready_to_serving_s` (embedded database ready to SERVING) ").append(fmt(s))
          .append(" s, target <= 3").append(verdict("start_to_serving_s", s <= 3)).append(". Runs: ")
          .append(startup.get("runs_s")).append(" s.\n\n");
      if (startup.get("with_history") instanceof Map<?, ?> h) {
        md.append("The same number of versions with a history (").append(h.get("layout")).append("): ")
            .append(h.get("routed_versions")).append(" of ").append(h.get("versions"))
            .append(" versions load before SERVING; `start_to_serving_s` ").append(fmt(h.get("start_to_serving_s")))
            .append(" s, `db_ready_to_serving_s` ").append(fmt(h.get("db_ready_to_serving_s")))
            .append(" s. Runs: ").append(h.get("runs_s")).append(" s.\n\n");
      }
    }
    if (peer != null) {
      peerSection(md);
    }
    if (engines.values().stream().anyMatch(r -> r.get("w1_small") != null)) {
      workloads(md);
    }
    if (codec != null) {
      md.append("## Matrix encodings\n\nOne 64x784 matrix serialized, parsed and decoded into the engine's float array ")
          .append("(best of 5 rounds of 2000): packed `values` ").append(fmt(codec.get("values_us_per_64x784")))
          .append(" µs, `raw_le` bytes ").append(fmt(codec.get("raw_le_us_per_64x784"))).append(" µs. ");
      if (engines.values().stream().anyMatch(r -> r.get("w2_raw_over_values") != null)) {
        md.append("End to end, W2 with raw bytes over W2 with packed values: ");
        engines.forEach((e, r) -> md.append(e).append(' ').append(fmt(r.get("w2_raw_over_values"))).append("x; "));
      }
      md.append("\n\n");
    }
    md.append("W3 and W4 run one request per engine call: Recommend requests carry their own ranking options and ")
        .append("Sample requests must give the same bytes whatever else is queued, so their lanes never merge requests ")
        .append("(see docs/batching.md).\n\nModels: `w3-multvae` is a Mult-VAE 10000-256-64 over 10,000 items (one ")
        .append("user of 20 interactions per request, k = 20); `w4-vae` a VAE 784-256-32 (16 samples per request). ")
        .append("Models: `w1-small` is a dense ae 784-128-64-32, `w1-large` 784-1024-256-32 ")
        .append("(also registered as `w1-large-unbatched`, policy: every request alone and no max_queue_wait, so the ")
        .append("baseline of the batching gain refuses nothing by predicted wait, and `w1-large-guarded`, ")
        .append("policy: max_batch_rows 64, max_queue_delay 2 ms, max_queue_rows 256). Default policy: max_batch_rows ")
        .append("256, max_queue_delay 2 ms, max_queue_rows 8192.\n");
    return md.toString();
  }

  @SuppressWarnings("unchecked")
  private void manyModelsSection(StringBuilder md) {
    Map<String, Object> m = manyModels;
    double rss = ((Number) m.get("rss_mib")).doubleValue();
    double limit = ((Number) m.get("rss_limit_mib")).doubleValue();
    double failures = ((Number) m.get("failures")).doubleValue();
    md.append("## many_models\n\n").append(m.get("models")).append(" registered versions of W1-small (one model each) ")
        .append("served by one server under `--model-memory-budget` ").append(fmt(m.get("budget_mib")))
        .append(" MiB (").append(m.get("budget_models")).append(" versions' weights), one-row Encode calls from ")
        .append(m.get("concurrency")).append(" callers, models drawn Zipf(s = ").append(m.get("zipf_s"))
        .append(") over popularity ranks. Registration straight through the registry took ")
        .append(fmt(m.get("register_s"))).append(" s. The overhead is stated in two parts: the Java heap at its bound (")
        .append(ServerProcess.SERVER_HEAP).append(", ").append(fmt(m.get("heap_max_mib")))
        .append(" MiB: under sustained traffic the collector touches all of it, whatever the live set), and the native rest, measured on the same server ")
        .append("before the mix as its RSS after its callers warmed one version (").append(fmt(m.get("rss_one_version_mib")))
        .append(" MiB; ").append(fmt(m.get("rss_idle_mib"))).append(" MiB with none loaded) less the heap's share then (")
        .append(fmt(m.get("heap_rss_one_version_mib"))).append(" MiB) and that version's weights: ")
        .append(fmt(m.get("native_overhead_mib"))).append(" MiB. The slack (")
        .append(fmt(100 * ((Number) m.get("rss_slack")).doubleValue())).append(" %) covers JIT, metadata and thread ")
        .append("growth over the run and fragmentation from repeated loads and evictions. Server log: `")
        .append(m.get("server_log")).append("`.\n\n| figure | value | target |\n|---|---|---|\n")
        .append("| server RSS after the run, MiB | ").append(fmt(rss)).append(" (heap ").append(fmt(m.get("heap_rss_mib")))
        .append(", native ").append(fmt(m.get("native_rss_mib"))).append(") | <= (budget ")
        .append(fmt(m.get("budget_mib"))).append(" + heap ").append(fmt(m.get("heap_max_mib"))).append(" + native overhead ")
        .append(fmt(m.get("native_overhead_mib")))
        .append(") x ").append(fmt(1 + ((Number) m.get("rss_slack")).doubleValue())).append(" = ").append(fmt(limit))
        .append(verdict("many_models", rss <= limit)).append(" |\n")
        .append("| hit ratio (measured window) | ").append(fmt(m.get("hit_ratio"))).append(" | reported |\n")
        .append("| cold loads / evictions (measured window) | ").append(fmt(m.get("cold_loads"))).append(" / ")
        .append(fmt(m.get("evictions"))).append(" | reported |\n")
        .append("| cold-load p50 / p99, ms (server log, every load, its wait for a load slot included) | ").append(fmt(m.get("cold_load_p50_ms")))
        .append(" / ").append(fmt(m.get("cold_load_p99_ms"))).append(" | reported |\n")
        .append("| failed calls (any phase, RESOURCE_EXHAUSTED included) | ").append(fmt(failures)).append(" | 0")
        .append(verdict("many_models", failures == 0)).append(" |\n\n");
    Object failed = m.get("failed_calls");
    if (failed instanceof Map<?, ?> byCode && !byCode.isEmpty()) {
      md.append("Failed calls by status (first messages):\n\n");
      ((Map<String, Map<String, Object>>) byCode).forEach((code, e) -> {
        md.append("- `").append(code).append("`: ").append(fmt(e.get("calls"))).append(" call(s)");
        for (Object msg : (List<?>) e.get("first_messages")) {
          md.append("; \"").append(msg).append('"');
        }
        md.append('\n');
      });
      md.append('\n');
    }
    md.append("| workload | offered/s | sent/s | requests/s | rows/s | p50 ms | p90 ms | p99 ms | rejected | other failures "
        + "| server CPU s | server CPU ms/request | generator CPU s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    row(md, "many_models", (Map<?, ?>) m.get("run"));
    md.append('\n');
  }

  @SuppressWarnings("unchecked")
  private void peerSection(StringBuilder md) {
    md.append("## Peer: TorchServe\n\n");
    if (peer.get("error") != null) {
      md.append("**The peer did not run**: ").append(peer.get("error")).append("\n\n");
    }
    md.append("Setup: ").append(peer.get("peer")).append(" from PyPI in its own environment (`").append(peer.get("venv"))
        .append("`), serving ").append(peer.get("model")).append("; ").append(peer.get("batching"))
        .append("; driven over ").append(peer.get("protocol")).append(" by the same generator, pinned to the same ")
        .append("core as aeserve. Workers tried at concurrency 64: ");
    for (int w : new int[] {1, 2}) {
      Object res = peer.get("workers_" + w + "_c64");
      md.append(w).append(": ").append(res instanceof Map<?, ?> m ? fmt(m.get("requests_per_s")) + " req/s" : "failed ("
          + peer.get("error_workers_" + w) + ")").append("; ");
    }
    md.append("kept: ").append(peer.getOrDefault("workers", "none")).append(". TorchServe server CPU per request at ")
        .append("concurrency 64 (frontend JVM and workers): ").append(fmt(peer.get("torchserve_server_cpu_ms_per_request_c64")))
        .append(" ms.\n\n");
    Object rounds = peer.get("rounds");
    if (rounds instanceof List<?> list) {
      md.append("| round | server | concurrency | requests/s | p50 ms | p99 ms | failures | server CPU ms/request |\n")
          .append("|---|---|---|---|---|---|---|---|\n");
      int n = 1;
      for (Object round : list) {
        for (var s : ((Map<String, Object>) round).entrySet()) {
          for (var c : ((Map<String, Object>) s.getValue()).entrySet()) {
            Map<String, Object> r = (Map<String, Object>) c.getValue();
            md.append("| ").append(n).append(" | ").append(s.getKey()).append(" | ").append(c.getKey()).append(" | ")
                .append(fmt(r.get("requests_per_s"))).append(" | ").append(fmt(r.get("p50_ms"))).append(" | ")
                .append(fmt(r.get("p99_ms"))).append(" | ")
                .append(fmt(((Number) r.get("rejected")).doubleValue() + ((Number) r.get("other_failures")).doubleValue()))
                .append(" | ").append(fmt(r.get("server_cpu_ms_per_request"))).append(" |\n");
          }
        }
        n++;
      }
      md.append('\n');
    }
  }

  private void workloads(StringBuilder md) {
    md.append("Half-load p99 bound per engine: ");
    engines.forEach((e, r) -> {
      if (r.get("half_load_p99_bound_ms") != null) {
        md.append(e).append(' ').append(fmt(r.get("half_load_p99_bound_ms"))).append(" ms (batch compute ")
            .append(fmt(r.get("half_load_batch_compute_ms"))).append(" ms); ");
      }
    });
    md.append("overload offered / sent per engine: ");
    engines.forEach((e, r) -> {
      if (r.get("overload_offered_per_s") != null) {
        md.append(e).append(' ').append(fmt(r.get("overload_offered_per_s"))).append(" / ")
            .append(fmt(r.get("overload_sent_per_s"))).append(" calls/s; ");
      }
    });
    md.append("\n\n## Workloads\n\n| workload | engine | offered/s | sent/s | requests/s | rows/s | p50 ms | p90 ms | p99 ms "
        + "| rejected | other failures | server CPU s | server CPU ms/request | generator CPU s |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (var e : engines.entrySet()) {
      if (e.getValue().get("w1_small") == null) {
        continue;
      }
      for (String w : List.of("w1_small", "echo", "w1_large", "w1_large_unbatched", "w1_large_onnx",
          "w1_large_onnx_unbatched", "w2_large",
          "w2_large_values_encoding", "w3_recommend", "w4_sample", "shadow_off", "shadow_on", "guarded_saturated",
          "half_load", "overload", "recovery")) {
        row(md, w + " | " + e.getKey(), (Map<?, ?>) e.getValue().get(w));
      }
      Map<?, ?> sweep = (Map<?, ?>) e.getValue().get("w1_large_sweep");
      for (var s : sweep.entrySet()) {
        row(md, "w1_large " + s.getKey() + " | " + e.getKey(), (Map<?, ?>) s.getValue());
      }
    }
    md.append('\n');
  }

  private static void row(StringBuilder md, String name, Map<?, ?> r) {
    md.append("| ").append(name);
    for (String k : List.of("offered_per_s", "sent_per_s", "requests_per_s", "rows_per_s", "p50_ms", "p90_ms", "p99_ms",
        "rejected", "other_failures", "server_cpu_s", "server_cpu_ms_per_request", "generator_cpu_s")) {
      Object v = r.get(k);
      md.append(" | ").append(v == null ? "" : fmt(((Number) v).doubleValue()));
    }
    md.append(" |\n");
  }

  private static String fmt(Object o) {
    return o instanceof Number n ? fmt(n.doubleValue()) : String.valueOf(o);
  }

  private static String fmt(double d) {
    if (Double.isNaN(d)) {
      return "n/a";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e12) {
      return Long.toString((long) d);
    }
    return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : Math.abs(d) >= 1 ? "%.2f" : "%.3f", d);
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
    } catch (IOException e) {
      // keep "unknown CPU"
    }
    // The machine's cores, not this JVM's: bench/run pins the generator to one of them.
    long cores = 0;
    try {
      cores = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
    } catch (IOException e) {
      cores = Runtime.getRuntime().availableProcessors();
    }
    return cores + " cores (" + cpu + "), "
        + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB max heap, Java " + System.getProperty("java.version");
  }
}
