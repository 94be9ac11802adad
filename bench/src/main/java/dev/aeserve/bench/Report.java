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

  private static final List<Figure> FIGURES = List.of(
      new Figure("batching_gain_w1_large", "W1-large throughput, dynamic batching over none, concurrency 64", ">= 3",
          (v, r) -> v >= 3),
      new Figure("onnx_batching_gain_w1_large", "the same, for W1-large imported as an ONNX pair (ONNX Runtime)", ">= 3",
          (v, r) -> v >= 3),
      new Figure("serving_efficiency", "server rows/s at concurrency 64 over the engine's own rows/s at the same batch size",
          ">= 0.6", (v, r) -> v >= 0.6),
      new Figure("rpc_floor_w1_small", "W1-small throughput over an echo RPC with the same payload", ">= 0.5",
          (v, r) -> v >= 0.5),
      new Figure("half_load_p99_ms", "p99 at half the sustainable rate (short-queue model)",
          "<= max_queue_delay + 2 x batch compute", (v, r) -> v <= (double) r.get("half_load_p99_bound_ms")),
      new Figure("shadow_p99_ratio", "primary p99 with a shadow copying every call over without (closed loop, 4 callers)",
          "< 1.10", (v, r) -> v < 1.10),
      new Figure("overload_p99_ratio", "admitted p99 at 3x the sustainable rate over the half-load p99", "<= 2",
          (v, r) -> v <= 2),
      new Figure("overload_other_failures", "failures other than RESOURCE_EXHAUSTED at 3x", "0", (v, r) -> v == 0),
      new Figure("recovery_throughput_ratio", "throughput at half load right after the overload, over the offered rate",
          ">= 0.95", (v, r) -> v >= 0.95));

  private final int seconds;
  private final int warmup;
  private final Map<String, Map<String, Object>> engines = new LinkedHashMap<>();

  Report(int seconds, int warmup) {
    this.seconds = seconds;
    this.warmup = warmup;
  }

  private Map<String, Object> codec = Map.of();

  void codec(Map<String, Object> timings) {
    this.codec = timings;
  }

  void engine(EngineKind engine, Map<String, Object> results) {
    engines.put(engine.djlName(), results);
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("generated_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    json.put("machine", machine());
    json.put("command", "bench/run --seconds " + seconds + " --warmup " + warmup);
    Map<String, Object> primary = engines.values().iterator().next();
    json.put("primary_engine", engines.keySet().iterator().next());
    for (Figure f : FIGURES) {
      json.put(f.name(), primary.get(f.name()));
    }
    json.put("rss_mib", primary.get("rss_mib"));
    json.put("codec", codec);
    json.put("engines", engines);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("benchmarks.json").toFile(), json);
    Files.writeString(dir.resolve("benchmarks.md"), markdown(json));
  }

  private String markdown(Map<String, Object> json) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n");
    md.append("Produced by `bench/run` (").append(json.get("command")).append(") on ")
        .append(json.get("generated_at")).append(". Rerun it to regenerate this page and `benchmarks.json`.\n\n");
    md.append("Machine: ").append(json.get("machine")).append(".\n\n");
    md.append("What the figures mean, and for each target not met the profile that explains it and what would ")
        .append("close it: [benchmarks-analysis.md](benchmarks-analysis.md) (written by hand for the run committed ")
        .append("with it; rerunning replaces the numbers below, not that page).\n\n");
    md.append("The server runs in its own JVM (").append(ServerProcess.SERVER_HEAP).append(", an embedded Postgres ")
        .append("beside it) and the load generator in another, on the same machine over loopback; each figure is a ")
        .append("ratio of two measurements from the same run, so the machine's noise largely cancels out. Each run is ")
        .append(warmup).append(" s of warm-up and ").append(seconds).append(" s measured.\n\n");
    md.append("## Figures\n\n| figure | target |");
    engines.keySet().forEach(e -> md.append(' ').append(e).append(" |"));
    md.append("\n|---|---|");
    engines.keySet().forEach(e -> md.append("---|"));
    md.append('\n');
    for (Figure f : FIGURES) {
      md.append("| `").append(f.name()).append("`: ").append(f.description()).append(" | ").append(f.target()).append(" |");
      for (Map<String, Object> r : engines.values()) {
        Object v = r.get(f.name());
        double d = ((Number) v).doubleValue();
        md.append(' ').append(fmt(d)).append(f.met().test(d, r) ? " (met)" : " (**not met**)").append(" |");
      }
      md.append('\n');
    }
    md.append("| `rss_mib`: server process RSS after the run, every benchmark model loaded | < 1024 |");
    for (Map<String, Object> r : engines.values()) {
      double rss = ((Number) r.get("rss_mib")).doubleValue();
      md.append(' ').append(fmt(rss)).append(rss < 1024 ? " (met)" : " (**not met**)").append(" |");
    }
    md.append("\n\n");
    md.append("Half-load p99 bound per engine: ");
    engines.forEach((e, r) -> md.append(e).append(' ').append(fmt((double) r.get("half_load_p99_bound_ms"))).append(" ms ")
        .append("(batch compute ").append(fmt((double) r.get("half_load_batch_compute_ms"))).append(" ms); "));
    md.append("\n\n## Workloads\n\n| workload | engine | requests/s | rows/s | p50 ms | p90 ms | p99 ms | rejected | other failures "
        + "| server CPU s | generator CPU s |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (var e : engines.entrySet()) {
      for (String w : List.of("w1_small", "echo", "w1_large", "w1_large_unbatched", "w1_large_onnx",
          "w1_large_onnx_unbatched", "w2_large",
          "w2_large_values_encoding", "w3_recommend", "w4_sample", "shadow_off", "shadow_on", "guarded_saturated",
          "half_load", "overload", "recovery")) {
        row(md, w, e.getKey(), (Map<?, ?>) e.getValue().get(w));
      }
      Map<?, ?> sweep = (Map<?, ?>) e.getValue().get("w1_large_sweep");
      for (var s : sweep.entrySet()) {
        row(md, "w1_large " + s.getKey(), e.getKey(), (Map<?, ?>) s.getValue());
      }
    }
    md.append("\n## Matrix encodings\n\nOne 64x784 matrix serialized, parsed and decoded into the engine's float array ")
        .append("(best of 5 rounds of 2000): packed `values` ").append(fmt((double) codec.get("values_us_per_64x784")))
        .append(" µs, `raw_le` bytes ").append(fmt((double) codec.get("raw_le_us_per_64x784"))).append(" µs. ")
        .append("End to end, W2 with raw bytes over W2 with packed values: ");
    engines.forEach((e, r) -> md.append(e).append(' ').append(fmt((double) r.get("w2_raw_over_values"))).append("x; "));
    md.append("\n");
    md.append("\nW3 and W4 run one request per engine call: Recommend requests carry their own ranking options and ")
        .append("Sample requests must give the same bytes whatever else is queued, so their lanes never merge requests ")
        .append("(see docs/batching.md).\n\nModels: `w3-multvae` is a Mult-VAE 10000-256-64 over 10,000 items (one ")
        .append("user of 20 interactions per request, k = 20); `w4-vae` a VAE 784-256-32 (16 samples per request). ")
        .append("Models: `w1-small` is a dense ae 784-128-64-32, `w1-large` 784-1024-256-32 ")
        .append("(also registered as `w1-large-unbatched`, policy: every request alone, and `w1-large-guarded`, ")
        .append("policy: max_batch_rows 64, max_queue_delay 2 ms, max_queue_rows 128). Default policy: max_batch_rows ")
        .append("256, max_queue_delay 2 ms, max_queue_rows 8192.\n");
    return md.toString();
  }

  private static void row(StringBuilder md, String name, String engine, Map<?, ?> r) {
    md.append("| ").append(name).append(" | ").append(engine);
    for (String k : List.of("requests_per_s", "rows_per_s", "p50_ms", "p90_ms", "p99_ms", "rejected", "other_failures",
        "server_cpu_s", "generator_cpu_s")) {
      Object v = r.get(k);
      md.append(" | ").append(v == null ? "" : fmt(((Number) v).doubleValue()));
    }
    md.append(" |\n");
  }

  private static String fmt(double d) {
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
    return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
        + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB max heap, Java " + System.getProperty("java.version");
  }
}
