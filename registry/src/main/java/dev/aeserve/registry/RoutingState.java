package dev.aeserve.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A model's routing as routing changes record it in the audit log ({@code previous} and
 * {@code next} in their details), complete enough for a rollback to restore it exactly:
 *
 * <pre>{@code
 * {"split": null | {"primaries": {"3": 90, "4": 10}, "shadows": {"5": 20}, "salt": 7301...,
 *                   "buckets": [[3, 9000], [4, 1000]],   // runs of [version, length], bucket 0 first
 *                   "gate": null | {"max_error_increase_percent": 5.0, "min_requests": 500}},
 *  "aliases": {"production": 3, "staging": null}}         // only aliases the change touched; null: absent
 * }</pre>
 *
 * @param aliases alias name to version, a null version meaning the alias did not exist
 */
record RoutingState(Optional<TrafficSplit> split, Map<String, Integer> aliases) {

  RoutingState {
    aliases = new TreeMap<>(aliases); // sorted, and null values stay allowed
  }

  static RoutingState of(Optional<TrafficSplit> split) {
    return new RoutingState(split, Map.of());
  }

  ObjectNode toJson() {
    ObjectNode state = JsonDocuments.object();
    state.set("split", split.<JsonNode>map(RoutingState::splitToJson).orElse(state.nullNode()));
    if (!aliases.isEmpty()) {
      ObjectNode named = state.putObject("aliases");
      aliases.forEach((name, version) -> {
        if (version == null) {
          named.putNull(name);
        } else {
          named.put(name, version);
        }
      });
    }
    return state;
  }

  /** Reads a state this class wrote; {@code model} names the split it holds. */
  static RoutingState fromJson(String model, JsonNode state) {
    if (state == null || !state.isObject()) {
      throw new IllegalStateException("recorded routing of '" + model + "' is not an object: " + state);
    }
    JsonNode split = state.path("split");
    Optional<TrafficSplit> restored = split.isObject() ? Optional.of(splitFromJson(model, split)) : Optional.empty();
    Map<String, Integer> aliases = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> named = state.path("aliases").fields();
    while (named.hasNext()) {
      Map.Entry<String, JsonNode> e = named.next();
      aliases.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asInt());
    }
    return new RoutingState(restored, aliases);
  }

  static ObjectNode gateToJson(TrafficSplit.QualityGate gate) {
    return JsonDocuments.object()
        .put("max_error_increase_percent", gate.maxErrorIncreasePercent())
        .put("min_requests", gate.minRequests());
  }

  /** Null for a missing or null node. */
  static TrafficSplit.QualityGate gateFromJson(JsonNode gate) {
    if (gate == null || gate.isNull() || gate.isMissingNode()) {
      return null;
    }
    return new TrafficSplit.QualityGate(
        gate.path("max_error_increase_percent").asDouble(), gate.path("min_requests").asInt());
  }

  private static ObjectNode splitToJson(TrafficSplit split) {
    ObjectNode node = JsonDocuments.object();
    ObjectNode primaries = node.putObject("primaries");
    split.primaries().forEach(arm -> primaries.put(Integer.toString(arm.version()), arm.weight()));
    ObjectNode shadows = node.putObject("shadows");
    split.shadows().forEach(arm -> shadows.put(Integer.toString(arm.version()), arm.weight()));
    node.put("salt", split.salt());
    ArrayNode runs = node.putArray("buckets");
    int[] buckets = split.buckets();
    for (int start = 0; start < buckets.length; ) {
      int end = start;
      while (end < buckets.length && buckets[end] == buckets[start]) {
        end++;
      }
      runs.addArray().add(buckets[start]).add(end - start);
      start = end;
    }
    if (split.gate() == null) {
      node.putNull("gate");
    } else {
      node.set("gate", gateToJson(split.gate()));
    }
    return node;
  }

  private static TrafficSplit splitFromJson(String model, JsonNode node) {
    int[] buckets = new int[TrafficSplit.BUCKETS];
    int at = 0;
    for (JsonNode run : node.path("buckets")) {
      int version = run.path(0).asInt();
      int length = run.path(1).asInt();
      if (length < 1 || at + length > buckets.length) {
        throw new IllegalStateException("recorded buckets of '" + model + "' do not cover " + buckets.length);
      }
      Arrays.fill(buckets, at, at + length, version);
      at += length;
    }
    if (at != buckets.length) {
      throw new IllegalStateException("recorded buckets of '" + model + "' cover " + at + ", not " + buckets.length);
    }
    return new TrafficSplit(model, arms(node.path("primaries")), arms(node.path("shadows")),
        node.path("salt").asLong(), buckets, gateFromJson(node.get("gate")), null);
  }

  private static List<TrafficSplit.Arm> arms(JsonNode byVersion) {
    Map<Integer, Integer> sorted = new TreeMap<>();
    byVersion.fields().forEachRemaining(e -> sorted.put(Integer.parseInt(e.getKey()), e.getValue().asInt()));
    List<TrafficSplit.Arm> arms = new ArrayList<>();
    sorted.forEach((version, weight) -> arms.add(new TrafficSplit.Arm(version, weight)));
    return arms;
  }
}
