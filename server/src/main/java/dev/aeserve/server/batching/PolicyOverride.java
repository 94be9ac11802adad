package dev.aeserve.server.batching;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Some of a {@link BatchPolicy}'s knobs, set over another policy: what a {@code --batch-policy}
 * flag or a spec's {@code batching} block says. The knobs have one name everywhere, the one
 * listed in {@link #KEYS}, on the command line and in the spec alike.
 *
 * @param maxBatchRows {@code max_batch_rows}, or null to keep the base policy's
 * @param maxQueueDelay {@code max_queue_delay} (a duration such as 2ms or 500us), or null
 * @param maxQueueRows {@code max_queue_rows}, or null
 * @param preferred {@code preferred} batch sizes, or null
 * @param maxQueueWait {@code max_queue_wait} (a duration), or null
 */
public record PolicyOverride(Integer maxBatchRows, Duration maxQueueDelay, Integer maxQueueRows,
    List<Integer> preferred, Duration maxQueueWait) {

  public static final String MAX_BATCH_ROWS = "max_batch_rows";
  public static final String MAX_QUEUE_DELAY = "max_queue_delay";
  public static final String MAX_QUEUE_ROWS = "max_queue_rows";
  public static final String PREFERRED = "preferred";
  public static final String MAX_QUEUE_WAIT = "max_queue_wait";
  public static final List<String> KEYS = List.of(MAX_BATCH_ROWS, MAX_QUEUE_DELAY, MAX_QUEUE_ROWS, PREFERRED,
      MAX_QUEUE_WAIT);

  public static final PolicyOverride NONE = new PolicyOverride(null, null, null, null, null);

  /** The first four knobs, without max_queue_wait. */
  public PolicyOverride(Integer maxBatchRows, Duration maxQueueDelay, Integer maxQueueRows, List<Integer> preferred) {
    this(maxBatchRows, maxQueueDelay, maxQueueRows, preferred, null);
  }

  public PolicyOverride {
    preferred = preferred == null ? null : List.copyOf(preferred);
  }

  /**
   * The base policy with these knobs set. A larger {@code max_batch_rows} raises the queue bound
   * with it unless {@code max_queue_rows} is set too.
   *
   * @throws IllegalArgumentException when the result is not a valid policy, naming the knob
   */
  public BatchPolicy applyTo(BatchPolicy base) {
    int rows = maxBatchRows != null ? maxBatchRows : base.maxBatchRows();
    Duration delay = maxQueueDelay != null ? maxQueueDelay : base.maxQueueDelay();
    int queue = maxQueueRows != null ? maxQueueRows : Math.max(base.maxQueueRows(), rows);
    return new BatchPolicy(rows, delay, queue, preferred != null ? preferred : base.preferredBatchRows(),
        maxQueueWait != null ? maxQueueWait : base.maxQueueWait());
  }

  /** This override with {@code more}'s knobs on top. */
  public PolicyOverride then(PolicyOverride more) {
    return new PolicyOverride(
        more.maxBatchRows != null ? more.maxBatchRows : maxBatchRows,
        more.maxQueueDelay != null ? more.maxQueueDelay : maxQueueDelay,
        more.maxQueueRows != null ? more.maxQueueRows : maxQueueRows,
        more.preferred != null ? more.preferred : preferred,
        more.maxQueueWait != null ? more.maxQueueWait : maxQueueWait);
  }

  /**
   * The command line's {@code max_batch_rows=N,max_queue_delay=2ms,max_queue_rows=N,preferred=8|16,
   * max_queue_wait=20ms}.
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  public static PolicyOverride fromText(String text) {
    PolicyOverride p = NONE;
    for (String kv : text.split(",")) {
      String[] parts = kv.split("=", 2);
      if (parts.length != 2) {
        throw new IllegalArgumentException("'" + kv + "' is not KEY=VALUE");
      }
      String key = parts[0].trim();
      String v = parts[1].trim();
      try {
        p = p.then(switch (key) {
          case MAX_BATCH_ROWS -> new PolicyOverride(Integer.parseInt(v), null, null, null);
          case MAX_QUEUE_DELAY -> new PolicyOverride(null, BatchingConfig.parseDuration(v), null, null);
          case MAX_QUEUE_ROWS -> new PolicyOverride(null, null, Integer.parseInt(v), null);
          case PREFERRED -> new PolicyOverride(null, null, null,
              Arrays.stream(v.split("\\|")).map(String::trim).map(Integer::valueOf).toList());
          case MAX_QUEUE_WAIT -> new PolicyOverride(null, null, null, null, BatchingConfig.parseDuration(v));
          default -> throw new IllegalArgumentException("unknown batch policy key '" + key + "'; use "
              + String.join(", ", KEYS));
        });
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'");
      }
    }
    return p;
  }

  /**
   * A JSON object of knobs (values: integers, a duration string, an array of integers). Keys that
   * are not knobs are left to {@code otherKey}, which refuses them or reads them itself.
   *
   * @param where the block's path for messages, such as {@code batching.encode}
   * @throws IllegalArgumentException naming the key that is wrong
   */
  static PolicyOverride fromJson(JsonNode block, String where, OtherKey otherKey) {
    PolicyOverride p = NONE;
    for (Iterator<Map.Entry<String, JsonNode>> it = block.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode v = e.getValue();
      String path = where + "." + key;
      p = p.then(switch (key) {
        case MAX_BATCH_ROWS -> new PolicyOverride(wholeNumber(path, v), null, null, null);
        case MAX_QUEUE_DELAY -> new PolicyOverride(null, duration(path, v), null, null);
        case MAX_QUEUE_ROWS -> new PolicyOverride(null, null, wholeNumber(path, v), null);
        case PREFERRED -> new PolicyOverride(null, null, null, wholeNumbers(path, v));
        case MAX_QUEUE_WAIT -> new PolicyOverride(null, null, null, null, duration(path, v));
        default -> {
          otherKey.accept(key, v);
          yield NONE;
        }
      });
    }
    return p;
  }

  /** What a block does with a key that is not a knob. */
  @FunctionalInterface
  interface OtherKey {
    void accept(String key, JsonNode value);
  }

  private static int wholeNumber(String path, JsonNode v) {
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(path + " must be a whole number, got a JSON " + kind(v));
    }
    return v.intValue();
  }

  private static Duration duration(String path, JsonNode v) {
    if (!v.isTextual()) {
      throw new IllegalArgumentException(path + " must be a duration string such as \"2ms\" or \"500us\", got a JSON "
          + kind(v));
    }
    try {
      return BatchingConfig.parseDuration(v.textValue());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + " is not a duration; use e.g. \"500us\", \"2ms\", \"1s\"");
    }
  }

  private static List<Integer> wholeNumbers(String path, JsonNode v) {
    if (!v.isArray()) {
      throw new IllegalArgumentException(path + " must be an array of whole numbers, got a JSON " + kind(v));
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      out.add(wholeNumber(path + "[" + i + "]", v.get(i)));
    }
    return out;
  }

  static String kind(JsonNode v) {
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
        + (v.isNumber() ? " " + (v.isIntegralNumber() ? "integer out of range" : "fraction") : "");
  }
}
