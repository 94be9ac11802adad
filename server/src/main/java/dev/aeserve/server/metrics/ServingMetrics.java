package dev.aeserve.server.metrics;

import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.server.batching.BatchObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * The server's Prometheus metrics: queue time, compute time, rows per batch and end-to-end
 * latency as histograms, and request outcomes by status code; all labelled by model, version and
 * RPC, and the per-call ones also by {@link Protocol}. Model and version labels come from resolved versions only, so the number of series is
 * bounded by the registry, not by what callers send. Owns its registry and, when asked to serve,
 * the HTTP exporter.
 */
public final class ServingMetrics implements AutoCloseable {

  /**
   * The protocol a call came in by: the {@code protocol} label of the per-call metrics. Batch
   * metrics have none, since one batch mixes calls of both.
   */
  public enum Protocol {
    /** aeserve.v1.Autoencoder. */
    AESERVE("aeserve"),
    /** The Open Inference Protocol (inference.GRPCInferenceService, KServe v2). */
    V2("v2");

    private final String label;

    Protocol(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** The model and version label of calls that never reached a version. */
  public static final String UNRESOLVED = "(unresolved)";

  private static final double[] LATENCY_BOUNDS = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  private static final double[] ROW_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram queueSeconds;
  private final Histogram computeSeconds;
  private final Histogram batchRows;
  private final Gauge queuedRows;
  private final Histogram requestSeconds;
  private final Counter requests;
  private final Counter consoleRequests;
  private final Histogram consoleRequestSeconds;
  private final Counter modelLookups;
  private final Counter evictions;
  private final Histogram modelLoadSeconds;
  private final Gauge loadedModelBytes;
  private HTTPServer http;

  public ServingMetrics() {
    queueSeconds = Histogram.builder().name("aeserve_queue_seconds")
        .help("Time a request waited in its batch queue").labelNames("model", "version", "rpc")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
    computeSeconds = Histogram.builder().name("aeserve_compute_seconds")
        .help("Time the engine took for one batch").labelNames("model", "version", "rpc")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
    batchRows = Histogram.builder().name("aeserve_batch_rows")
        .help("Rows per batch sent to the engine").labelNames("model", "version", "rpc")
        .classicOnly().classicUpperBounds(ROW_BOUNDS).register(registry);
    queuedRows = Gauge.builder().name("aeserve_queue_rows")
        .help("Rows waiting in the batch queues (queue depth)").labelNames("model", "version", "rpc")
        .register(registry);
    requestSeconds = Histogram.builder().name("aeserve_request_seconds")
        .help("End-to-end latency of a call inside the server").labelNames("model", "version", "rpc", "protocol")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
    requests = Counter.builder().name("aeserve_requests_total")
        .help("Calls by outcome").labelNames("model", "version", "rpc", "protocol", "code").register(registry);
    // The console's own calls (its pictures) go through the same lanes, so the batch histograms
    // include them; their outcomes are counted apart, so that client traffic stays what clients sent.
    consoleRequests = Counter.builder().name("aeserve_console_requests_total")
        .help("Calls the web console made to draw its pictures, by outcome").labelNames("model", "version", "rpc", "code")
        .register(registry);
    consoleRequestSeconds = Histogram.builder().name("aeserve_console_request_seconds")
        .help("End-to-end latency of the console's own calls inside the server").labelNames("model", "version", "rpc")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
    modelLookups = Counter.builder().name("aeserve_model_lookups_total")
        .help("Calls that found their version loaded (hit) or had to load or wait for its load (miss)")
        .labelNames("result").register(registry);
    evictions = Counter.builder().name("aeserve_model_evictions_total")
        .help("Versions unloaded to make room under the model memory budget").register(registry);
    modelLoadSeconds = Histogram.builder().name("aeserve_model_load_seconds")
        .help("Time to load a version (cold load: artifact read, hash check, engine blocks)")
        .classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
    loadedModelBytes = Gauge.builder().name("aeserve_loaded_model_bytes")
        .help("Weights bytes of the loaded versions, times their copies, against the model memory budget")
        .register(registry);
  }

  /** A call looked up its version: loaded already (a hit) or not. */
  public void recordModelLookup(boolean hit) {
    modelLookups.labelValues(hit ? "hit" : "miss").inc();
  }

  public void recordEviction() {
    evictions.inc();
  }

  public void recordModelLoad(long nanos) {
    modelLoadSeconds.observe(nanos / 1e9);
  }

  public void setLoadedModelBytes(long bytes) {
    loadedModelBytes.set(bytes);
  }

  /**
   * Reports {@code aeserve_routing_state_age_seconds}: how old the routing state being served is
   * (0 while the registry answers, growing while it is unreachable).
   */
  public void routingStateAge(DoubleSupplier seconds) {
    GaugeWithCallback.builder().name("aeserve_routing_state_age_seconds")
        .help("Age of the routing state served: 0 while the registry answers, growing while it is unreachable")
        .callback(cb -> cb.call(seconds.getAsDouble())).register(registry);
  }

  /** The batch observer for one loaded version. */
  public BatchObserver observerFor(String model, int version) {
    String v = Integer.toString(version);
    return new BatchObserver() {
      @Override
      public void onDequeued(Rpc rpc, long queueNanos) {
        queueSeconds.labelValues(model, v, label(rpc)).observe(queueNanos / 1e9);
      }

      @Override
      public void onQueuedRows(Rpc rpc, int delta) {
        if (delta != 0) {
          queuedRows.labelValues(model, v, label(rpc)).inc(delta);
        }
      }

      @Override
      public void onBatch(Rpc rpc, int requestCount, int rows, long computeNanos) {
        computeSeconds.labelValues(model, v, label(rpc)).observe(computeNanos / 1e9);
        batchRows.labelValues(model, v, label(rpc)).observe(rows);
      }
    };
  }

  /**
   * One finished call, labelled by the version that served it. {@code served} is null when the call
   * ended before a version was resolved and loaded (an unknown model, version or alias, a bad
   * name): such calls share the label values {@link #UNRESOLVED}, so a caller sending random
   * names adds one series, not one per name. Labels never come from what the request says: the
   * protocol is one of two, the RPC one of six, or null (labelled {@link #UNRESOLVED}) for a v2
   * call whose model name names no operation.
   */
  public void recordRequest(ModelVersion served, Rpc rpc, Protocol protocol, String code, long nanos) {
    String model = served == null ? UNRESOLVED : served.model();
    String version = served == null ? UNRESOLVED : Integer.toString(served.version());
    requests.labelValues(model, version, label(rpc), protocol.label(), code).inc();
    requestSeconds.labelValues(model, version, label(rpc), protocol.label()).observe(nanos / 1e9);
  }

  /** One call the console made for its pictures, labelled like {@link #recordRequest}. */
  public void recordConsoleRequest(ModelVersion served, Rpc rpc, String code, long nanos) {
    String model = served == null ? UNRESOLVED : served.model();
    String version = served == null ? UNRESOLVED : Integer.toString(served.version());
    consoleRequests.labelValues(model, version, label(rpc), code).inc();
    consoleRequestSeconds.labelValues(model, version, label(rpc)).observe(nanos / 1e9);
  }

  /** Serves {@code /metrics} on the given port (0 picks one); returns the port. */
  public synchronized int serve(int port) {
    try {
      http = HTTPServer.builder().port(port).registry(registry).buildAndStart();
      return http.getPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** The metrics in the Prometheus text format. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A v2 call whose model name names no operation has no RPC: it shares the unresolved label. */
  private static String label(Rpc rpc) {
    return rpc == null ? UNRESOLVED : rpc.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public synchronized void close() {
    if (http != null) {
      http.close();
      http = null;
    }
  }
}
