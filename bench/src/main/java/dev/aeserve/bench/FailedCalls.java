package dev.aeserve.bench;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The calls of a run that did not end OK, by status code: how many, and the first few statuses'
 * messages word for word, so that a failure in a figure is never left unexplained. Counts every
 * failed call, in the measured window or not (warm-up, calls still in flight when it closed).
 * Thread-safe: calls end on the channels' transport threads.
 */
final class FailedCalls {

  /** Messages kept per code: enough to see what went wrong, few enough for a report. */
  static final int MESSAGES_PER_CODE = 3;

  private final Map<Status.Code, Long> counts = new TreeMap<>();
  private final Map<Status.Code, List<String>> messages = new TreeMap<>();

  synchronized void record(Status status) {
    if (status.isOk()) {
      return;
    }
    counts.merge(status.getCode(), 1L, Long::sum);
    keep(status.getCode(), status.getDescription() == null ? "(no message)" : status.getDescription());
  }

  /** Keeps {@code message} among the first of its code's, while there is room. Call under the lock. */
  private void keep(Status.Code code, String message) {
    List<String> kept = messages.computeIfAbsent(code, c -> new ArrayList<>());
    if (kept.size() < MESSAGES_PER_CODE) {
      kept.add(message);
    }
  }

  /** Adds another run's failures (for instance several warm-up rounds) to these. */
  synchronized void addAll(FailedCalls other) {
    Map<Status.Code, Long> c;
    Map<Status.Code, List<String>> m;
    synchronized (other) {
      c = new TreeMap<>(other.counts);
      m = new TreeMap<>();
      other.messages.forEach((k, v) -> m.put(k, List.copyOf(v)));
    }
    c.forEach((code, n) -> counts.merge(code, n, Long::sum));
    m.forEach((code, list) -> list.forEach(message -> keep(code, message)));
  }

  synchronized long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  synchronized long count(Status.Code code) {
    return counts.getOrDefault(code, 0L);
  }

  /** {"UNAVAILABLE": {"calls": 1, "first_messages": ["..."]}, ...}: empty when every call was OK. */
  synchronized Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    counts.forEach((code, n) -> {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("calls", n);
      entry.put("first_messages", List.copyOf(messages.get(code)));
      m.put(code.name(), entry);
    });
    return m;
  }
}
