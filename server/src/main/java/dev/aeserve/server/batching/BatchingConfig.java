package dev.aeserve.server.batching;

import dev.aeserve.autoencoders.Rpc;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which {@link BatchPolicy} each queue gets. The most specific setting wins: the server's entry
 * for (model, RPC), then the server's entry for the model, then the spec's {@code batching}
 * block ({@link SpecBatching}), then the server's default. Knobs have the same names in all of
 * them ({@link PolicyOverride#KEYS}).
 *
 * @param overrides keyed by {@code model} or {@code model/rpc} (rpc in lower case, e.g. {@code encode})
 */
public record BatchingConfig(BatchPolicy defaults, Map<String, BatchPolicy> overrides) {

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

  /**
   * The policy of a version's {@code rpc} queue.
   *
   * @throws dev.aeserve.autoencoders.InvalidSpecException when the spec's batching block is invalid
   *     (uploads are checked, so only a version stored before the check can have one)
   */
  public BatchPolicy policyFor(String model, Rpc rpc, String specJson) {
    BatchPolicy p = overrides.get(model + "/" + rpc.name().toLowerCase(Locale.ROOT));
    if (p != null) {
      return p;
    }
    p = overrides.get(model);
    if (p != null) {
      return p;
    }
    return specPolicy(SpecBatching.fromSpecJson(specJson), rpc);
  }

  /**
   * The spec block's policy for {@code rpc} over the server's default.
   *
   * @throws dev.aeserve.autoencoders.InvalidSpecException when the knobs do not make a valid policy
   */
  public BatchPolicy specPolicy(SpecBatching spec, Rpc rpc) {
    try {
      return spec.policyFor(rpc, defaults);
    } catch (IllegalArgumentException e) {
      throw new dev.aeserve.autoencoders.InvalidSpecException("spec batching for " + rpc.displayName() + ": "
          + e.getMessage());
    }
  }

  /**
   * Parses the command line's {@code MODEL[/RPC]:max_batch_rows=N,max_queue_delay=2ms,
   * max_queue_rows=N,preferred=8|16,max_queue_wait=20ms}, applied over {@code base}.
   */
  public static Map.Entry<String, BatchPolicy> parseOverride(String text, BatchPolicy base) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("batch policy '" + text + "' must look like MODEL[/RPC]:max_batch_rows=64,...");
    }
    try {
      return Map.entry(text.substring(0, colon), PolicyOverride.fromText(text.substring(colon + 1)).applyTo(base));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("batch policy '" + text + "': " + e.getMessage(), e);
    }
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
