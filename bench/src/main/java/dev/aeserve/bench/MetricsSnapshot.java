package dev.aeserve.bench;

import java.util.HashMap;
import java.util.Map;

/** One scrape of the server's Prometheus text, for before/after differences. */
final class MetricsSnapshot {

  private final Map<String, Double> values = new HashMap<>();

  MetricsSnapshot(String text) {
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
  }

  /** e.g. {@code get("aeserve_batch_rows_sum", "w1-large", "encode")}; 0 when absent. */
  double get(String name, String model, String rpc) {
    String key = name + "{model=\"" + model + "\",rpc=\"" + rpc + "\",version=\"1\"}";
    return values.getOrDefault(key, 0.0);
  }

  /** A series by its full key, such as {@code aeserve_model_lookups_total{result="hit"}}; 0 when absent. */
  double value(String key) {
    return values.getOrDefault(key, 0.0);
  }

  /** Mean of a histogram between two snapshots: delta sum over delta count. */
  static double mean(MetricsSnapshot before, MetricsSnapshot after, String histogram, String model, String rpc) {
    double count = after.get(histogram + "_count", model, rpc) - before.get(histogram + "_count", model, rpc);
    double sum = after.get(histogram + "_sum", model, rpc) - before.get(histogram + "_sum", model, rpc);
    return count == 0 ? Double.NaN : sum / count;
  }
}
