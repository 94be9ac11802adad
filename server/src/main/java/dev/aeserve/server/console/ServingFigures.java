package dev.aeserve.server.console;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The serving figures per (model, version, RPC), read from the very text the Prometheus endpoint
 * serves, so that the console and a dashboard never disagree: calls by outcome, the request rate
 * since the previous reading, latency and queue-time percentiles from the histograms' buckets, rows
 * per batch, and the rows queued now.
 */
final class ServingFigures {

  /** One series' key. */
  record Key(String model, String version, String rpc) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = model.compareTo(o.model);
      if (c != 0) {
        return c;
      }
      c = compareVersions(version, o.version);
      return c != 0 ? c : rpc.compareTo(o.rpc);
    }

    private static int compareVersions(String a, String b) {
      try {
        return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
      } catch (NumberFormatException e) {
        return a.compareTo(b);
      }
    }
  }

  /**
   * @param requestsPerSecond since the previous reading, or NaN on the first
   * @param refused calls answered with a code other than OK
   * @param queuedRows rows waiting in the version's queues for this call now (queue depth)
   * @param batches batches computed; {@code meanBatchRows} their mean size (NaN when none)
   */
  record Row(Key key, Map<String, Double> byCode, double requests, double refused, double requestsPerSecond,
      double p50, double p95, double p99, double queueP99, double batches, double meanBatchRows, double queuedRows, double consoleCalls) {}

  /** A parsed sample line: name, labels, value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private final Supplier<String> scrape;
  private final LongSupplier nanos;
  private Map<Key, Double> previousTotals = Map.of();
  private long previousAt;

  ServingFigures(Supplier<String> scrape, LongSupplier nanos) {
    this.scrape = scrape;
    this.nanos = nanos;
  }

  synchronized List<Row> read() {
    List<Sample> samples = parse(scrape.get());
    long now = nanos.getAsLong();
    Map<Key, Map<String, Double>> codes = new TreeMap<>();
    Map<Key, TreeMap<Double, Double>> latency = new HashMap<>();
    Map<Key, TreeMap<Double, Double>> queue = new HashMap<>();
    Map<Key, double[]> batchRows = new HashMap<>();
    Map<Key, Double> console = new HashMap<>();
    Map<Key, Double> queued = new HashMap<>();
    for (Sample s : samples) {
      Map<String, String> l = s.labels();
      if (!l.containsKey("model") || !l.containsKey("rpc")) {
        continue;
      }
      Key k = new Key(l.get("model"), l.getOrDefault("version", ""), l.get("rpc"));
      switch (s.name()) {
        case "aeserve_requests_total" -> codes.computeIfAbsent(k, x -> new TreeMap<>()).merge(l.get("code"), s.value(),
            Double::sum);
        case "aeserve_request_seconds_bucket" -> bucket(latency, k, l, s.value());
        case "aeserve_queue_seconds_bucket" -> bucket(queue, k, l, s.value());
        case "aeserve_batch_rows_count" -> batchRows.computeIfAbsent(k, x -> new double[2])[0] += s.value();
        case "aeserve_batch_rows_sum" -> batchRows.computeIfAbsent(k, x -> new double[2])[1] += s.value();
        case "aeserve_queue_rows" -> {
          queued.merge(k, s.value(), Double::sum);
          codes.computeIfAbsent(k, x -> new TreeMap<>());
        }
        case "aeserve_console_requests_total" -> {
          console.merge(k, s.value(), Double::sum);
          codes.computeIfAbsent(k, x -> new TreeMap<>());
        }
        default -> { }
      }
    }
    for (Key k : batchRows.keySet()) {
      codes.computeIfAbsent(k, x -> new TreeMap<>());
    }
    double seconds = (now - previousAt) / 1e9;
    List<Row> rows = new ArrayList<>();
    Map<Key, Double> totals = new HashMap<>();
    for (Map.Entry<Key, Map<String, Double>> e : codes.entrySet()) {
      Key k = e.getKey();
      double total = e.getValue().values().stream().mapToDouble(Double::doubleValue).sum();
      double refused = total - e.getValue().getOrDefault("OK", 0.0);
      totals.put(k, total);
      Double before = previousTotals.get(k);
      double rate = previousTotals.isEmpty() || seconds <= 0 ? Double.NaN
          : (total - (before == null ? 0 : before)) / seconds;
      TreeMap<Double, Double> lat = latency.getOrDefault(k, new TreeMap<>());
      double[] br = batchRows.getOrDefault(k, new double[2]);
      rows.add(new Row(k, e.getValue(), total, refused, rate, quantile(lat, 0.5), quantile(lat, 0.95),
          quantile(lat, 0.99), quantile(queue.getOrDefault(k, new TreeMap<>()), 0.99), br[0],
          br[0] == 0 ? Double.NaN : br[1] / br[0], queued.getOrDefault(k, 0.0), console.getOrDefault(k, 0.0)));
    }
    previousTotals = totals;
    previousAt = now;
    return rows;
  }

  private static void bucket(Map<Key, TreeMap<Double, Double>> into, Key k, Map<String, String> l, double value) {
    String le = l.get("le");
    double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    into.computeIfAbsent(k, x -> new TreeMap<>()).merge(bound, value, Double::sum);
  }

  /**
   * The q-quantile from cumulative buckets, interpolated linearly inside its bucket as Prometheus's
   * histogram_quantile does; NaN when the histogram is empty.
   */
  static double quantile(TreeMap<Double, Double> cumulative, double q) {
    if (cumulative.isEmpty()) {
      return Double.NaN;
    }
    double total = cumulative.lastEntry().getValue();
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
      if (b.getValue() >= rank) {
        if (b.getKey().isInfinite()) {
          return lowerBound;
        }
        double inBucket = b.getValue() - lowerCount;
        return inBucket <= 0 ? b.getKey() : lowerBound + (b.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = b.getKey();
      lowerCount = b.getValue();
    }
    return lowerBound;
  }

  /** Sample lines of the Prometheus text format (comments skipped). */
  static List<Sample> parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space;
      String name;
      Map<String, String> labels = new HashMap<>();
      if (brace >= 0) {
        name = line.substring(0, brace);
        int i = brace + 1;
        while (i < line.length() && line.charAt(i) != '}') {
          int eq = line.indexOf('=', i);
          String key = line.substring(i, eq).trim();
          StringBuilder v = new StringBuilder();
          int j = eq + 2; // past ="
          while (j < line.length() && line.charAt(j) != '"') {
            if (line.charAt(j) == '\\' && j + 1 < line.length()) {
              char n = line.charAt(++j);
              v.append(n == 'n' ? '\n' : n);
            } else {
              v.append(line.charAt(j));
            }
            j++;
          }
          labels.put(key, v.toString());
          i = j + 1;
          if (i < line.length() && line.charAt(i) == ',') {
            i++;
          }
        }
        space = line.indexOf(' ', i);
      } else {
        space = line.indexOf(' ');
        name = line.substring(0, space);
      }
      String[] rest = line.substring(space + 1).trim().split(" ");
      try {
        out.add(new Sample(name, labels, Double.parseDouble(rest[0])));
      } catch (NumberFormatException e) {
        // NaN and +Inf parse; anything else is not a sample this reader needs.
      }
    }
    return out;
  }
}
