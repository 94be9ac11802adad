package dev.aeserve.server.batching;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.autoencoders.Rpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which {@link BatchPolicy} each queue gets. The most specific setting wins: the server's entry
 * for (model, RPC), then the server's entry for the model, then the spec's {@code batching}
 * object, then the server's default.
 *
 * @param overrides keyed by {@code model} or {@code model/rpc} (rpc in lower case, e.g. {@code encode})
 */
public record BatchingConfig(BatchPolicy defaults, Map<String, BatchPolicy> overrides) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public BatchingConfig {
    Objects.requireNonNull(defaults, "defaults");
    overrides = Map.copyOf(overrides);
  }

  public static BatchingConfig of(BatchPolicy defaults) {
    return new BatchingConfig(defaults, Map.of());
  }

  public BatchingConfig withOverride(String key, BatchPolicy policy) {
    Map<String, BatchPolicy> m = new HashMap<>(overrides);
    m.put(key, policy);
    return new BatchingConfig(defaults, m);
  }

  public BatchPolicy policyFor(String model, Rpc rpc, String specJson) {
    BatchPolicy p = overrides.get(model + "/" + rpc.name().toLowerCase(Locale.ROOT));
    if (p != null) {
      return p;
    }
    p = overrides.get(model);
    if (p != null) {
      return p;
    }
    BatchPolicy fromSpec = fromSpec(specJson, rpc);
    return fromSpec != null ? fromSpec : defaults;
  }

  /**
   * Reads a spec's optional {@code batching} object, for example
   * {@code {"maxBatchRows": 64, "maxQueueDelayMicros": 500, "encode": {"maxBatchRows": 256}}}.
   * Keys left out take the server's default.
   */
  BatchPolicy fromSpec(String specJson, Rpc rpc) {
    if (specJson == null) {
      return null;
    }
    try {
      JsonNode b = JSON.readTree(specJson).get("batching");
      if (b == null || !b.isObject()) {
        return null;
      }
      BatchPolicy p = apply(defaults, b);
      JsonNode perRpc = b.get(rpc.name().toLowerCase(Locale.ROOT));
      return perRpc != null && perRpc.isObject() ? apply(p, perRpc) : p;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return null;
    }
  }

  private static BatchPolicy apply(BatchPolicy base, JsonNode n) {
    int rows = n.has("maxBatchRows") ? n.get("maxBatchRows").asInt() : base.maxBatchRows();
    Duration delay = n.has("maxQueueDelayMicros") ? Duration.ofNanos(n.get("maxQueueDelayMicros").asLong() * 1000)
        : base.maxQueueDelay();
    int queue = n.has("maxQueueRows") ? n.get("maxQueueRows").asInt() : Math.max(base.maxQueueRows(), rows);
    List<Integer> preferred = base.preferredBatchRows();
    if (n.has("preferredBatchRows")) {
      preferred = new ArrayList<>();
      for (JsonNode x : n.get("preferredBatchRows")) {
        preferred.add(x.asInt());
      }
    }
    return new BatchPolicy(rows, delay, queue, preferred);
  }

  /**
   * Parses the command line's {@code MODEL[/RPC]:max_batch_rows=N,max_queue_delay=2ms,
   * max_queue_rows=N,preferred=8|16}, applied over {@code base}.
   */
  public static Map.Entry<String, BatchPolicy> parseOverride(String text, BatchPolicy base) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("batch policy '" + text + "' must look like MODEL[/RPC]:max_batch_rows=64,...");
    }
    String key = text.substring(0, colon);
    BatchPolicy p = base;
    for (String kv : text.substring(colon + 1).split(",")) {
      String[] parts = kv.split("=", 2);
      if (parts.length != 2) {
        throw new IllegalArgumentException("'" + kv + "' in batch policy '" + text + "' is not KEY=VALUE");
      }
      String v = parts[1].trim();
      p = switch (parts[0].trim()) {
        case "max_batch_rows" -> p.withMaxBatchRows(Integer.parseInt(v));
        case "max_queue_delay" -> p.withMaxQueueDelay(parseDuration(v));
        case "max_queue_rows" -> p.withMaxQueueRows(Integer.parseInt(v));
        case "preferred" -> new BatchPolicy(p.maxBatchRows(), p.maxQueueDelay(), p.maxQueueRows(),
            java.util.Arrays.stream(v.split("\\|")).map(Integer::valueOf).toList());
        default -> throw new IllegalArgumentException("unknown batch policy key '" + parts[0]
            + "'; use max_batch_rows, max_queue_delay, max_queue_rows or preferred");
      };
    }
    return Map.entry(key, p);
  }

  /** {@code 500us}, {@code 2ms}, {@code 1s}, {@code 5m}, {@code 1h}, or ISO-8601 ({@code PT0.002S}). */
  public static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("us")) {
        return Duration.ofNanos(Long.parseLong(t.substring(0, t.length() - 2)) * 1_000);
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s") && !t.startsWith("pt")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      }
      if (t.endsWith("m") && !t.startsWith("pt")) {
        return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      }
      if (t.endsWith("h") && !t.startsWith("pt")) {
        return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      }
      return Duration.parse(s.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + s + "' is not a duration; use e.g. 500us, 2ms, 1s, 5m");
    }
  }
}
