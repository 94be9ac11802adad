package dev.aeserve.server.batching;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aeserve.autoencoders.InvalidSpecException;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.autoencoders.Texts;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A spec's optional {@code batching} block, typed: the {@link PolicyOverride} knobs for every RPC,
 * and sub-blocks keyed by the RPC's name in lower case that override them for that RPC. For example
 * {@code {"max_batch_rows": 64, "max_queue_delay": "500us", "encode": {"max_batch_rows": 256}}}.
 * Any other key is refused, so a misspelt knob cannot silently fall back to the default.
 *
 * @param common the knobs for every RPC
 * @param perRpc the knobs for one RPC, over {@code common}
 */
public record SpecBatching(PolicyOverride common, Map<Rpc, PolicyOverride> perRpc) {

  public static final SpecBatching NONE = new SpecBatching(PolicyOverride.NONE, Map.of());

  private static final ObjectMapper JSON = new ObjectMapper();

  public SpecBatching {
    perRpc = perRpc.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new EnumMap<>(perRpc));
  }

  /** The policy of {@code rpc}'s queue: this block's knobs over {@code base}. */
  public BatchPolicy policyFor(Rpc rpc, BatchPolicy base) {
    return common.then(perRpc.getOrDefault(rpc, PolicyOverride.NONE)).applyTo(base);
  }

  /**
   * Reads the {@code batching} block of a spec's JSON; {@link #NONE} when there is none.
   *
   * @throws InvalidSpecException naming the key that is wrong
   */
  public static SpecBatching fromSpecJson(String specJson) {
    JsonNode spec;
    try {
      spec = JSON.readTree(specJson == null ? "" : specJson);
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException("spec is not valid JSON: " + Texts.capped(e.getOriginalMessage()));
    }
    JsonNode block = spec == null ? null : spec.get("batching");
    if (block == null || block.isNull()) {
      return NONE;
    }
    try {
      return fromJson(block);
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException(e.getMessage());
    }
  }

  private static SpecBatching fromJson(JsonNode block) {
    if (!block.isObject()) {
      throw new IllegalArgumentException("batching must be a JSON object, got a JSON " + PolicyOverride.kind(block));
    }
    Map<Rpc, PolicyOverride> perRpc = new EnumMap<>(Rpc.class);
    PolicyOverride common = PolicyOverride.fromJson(block, "batching", (key, value) -> {
      Rpc rpc = rpcNamed(key);
      if (!value.isObject()) {
        throw new IllegalArgumentException("batching." + key + " must be a JSON object of knobs");
      }
      perRpc.put(rpc, PolicyOverride.fromJson(value, "batching." + key, (inner, ignored) -> {
        throw unknownKey("batching." + key, inner, false);
      }));
    });
    return new SpecBatching(common, perRpc);
  }

  private static Rpc rpcNamed(String key) {
    for (Rpc rpc : Rpc.values()) {
      if (rpc.name().toLowerCase(Locale.ROOT).equals(key)) {
        return rpc;
      }
    }
    throw unknownKey("batching", key, true);
  }

  private static IllegalArgumentException unknownKey(String where, String key, boolean rpcsToo) {
    String rpcs = Arrays.stream(Rpc.values()).map(r -> r.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
    return new IllegalArgumentException("unknown key '" + Texts.capped(key) + "' in " + where + "; the knobs are "
        + String.join(", ", PolicyOverride.KEYS) + (rpcsToo ? ", and per-RPC blocks are " + rpcs : ""));
  }
}
