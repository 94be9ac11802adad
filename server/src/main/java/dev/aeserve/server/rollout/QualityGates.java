package dev.aeserve.server.rollout;

import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.TrafficSplit;
import java.util.Comparator;
import java.util.Locale;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches live reconstruction error per split arm and applies each split's quality gate: a
 * candidate (any primary but the heaviest) whose mean error exceeds the heaviest primary's by more
 * than the gate's percentage, once it has served the gate's number of requests, loses its weight
 * through the registry, which records why. Judged off the request path.
 */
public final class QualityGates implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(QualityGates.class);

  private final ModelRegistry registry;
  private final Map<String, Arm> arms = new ConcurrentHashMap<>();
  /** Per model: records not yet judged; the judge runs again until it has seen them all. */
  private final Map<String, AtomicInteger> unjudged = new ConcurrentHashMap<>();
  private final Map<String, TrafficSplit> latestSplit = new ConcurrentHashMap<>();
  private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
  private final ExecutorService judge = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "aeserve-quality-gate");
    t.setDaemon(true);
    return t;
  });

  public QualityGates(ModelRegistry registry) {
    this.registry = registry;
  }

  private static final class Arm {
    final LongAdder requests = new LongAdder();
    final DoubleAdder errorSum = new DoubleAdder();

    double mean() {
      long n = requests.sum();
      return n == 0 ? Double.NaN : errorSum.sum() / n;
    }
  }

  /** One Reconstruct call served by {@code version} under {@code split}, with its mean row score. */
  public void record(TrafficSplit split, int version, double meanScore) {
    if (split.gate() == null || !Double.isFinite(meanScore)) {
      return;
    }
    Arm arm = arms.computeIfAbsent(key(split, version), k -> new Arm());
    arm.requests.increment();
    arm.errorSum.add(meanScore);
    latestSplit.put(split.model(), split);
    AtomicInteger pending = unjudged.computeIfAbsent(split.model(), m -> new AtomicInteger());
    if (pending.getAndIncrement() == 0) {
      try {
        judge.execute(() -> judgeUntilCaughtUp(split.model(), pending));
      } catch (RejectedExecutionException closed) {
        pending.set(0);
      }
    }
  }

  /**
   * What the gate last decided about a candidate, once it had the gate's number of requests: the
   * positive signal that it judged (tests wait for it instead of waiting for nothing to happen).
   */
  public record Verdict(Instant splitUpdatedAt, int candidate, long requests, double candidateMean,
      double baselineMean, boolean tripped) {}

  /** The latest verdict on {@code candidate} of {@code model}'s split, if the gate judged one. */
  public Optional<Verdict> lastVerdict(String model, int candidate) {
    return Optional.ofNullable(verdicts.get(model + ":" + candidate));
  }

  // Records that arrive while the judge runs are judged by another pass, so the last record of a
  // burst is always judged (a verdict then covers every request served).
  private void judgeUntilCaughtUp(String model, AtomicInteger pending) {
    int seen;
    do {
      seen = pending.get();
      judge(latestSplit.get(model));
    } while (pending.addAndGet(-seen) > 0);
  }

  private void judge(TrafficSplit split) {
    TrafficSplit.Arm heaviest = split.primaries().stream()
        .max(Comparator.comparingInt(TrafficSplit.Arm::weight).thenComparing(a -> -a.version())).orElse(null);
    if (heaviest == null) {
      return;
    }
    Arm base = arms.get(key(split, heaviest.version()));
    if (base == null || base.requests.sum() == 0) {
      return;
    }
    for (TrafficSplit.Arm candidate : split.primaries()) {
      if (candidate.version() == heaviest.version() || candidate.weight() == 0) {
        continue;
      }
      Arm c = arms.get(key(split, candidate.version()));
      if (c == null || c.requests.sum() < split.gate().minRequests()) {
        continue;
      }
      double limit = base.mean() * (1 + split.gate().maxErrorIncreasePercent() / 100);
      boolean trip = c.mean() > limit;
      verdicts.put(split.model() + ":" + candidate.version(), new Verdict(split.updatedAt(), candidate.version(),
          c.requests.sum(), c.mean(), base.mean(), trip));
      if (trip) {
        String reason = String.format(Locale.ROOT,
            "mean reconstruction error %.6g over %d requests exceeds version %d's %.6g by more than %.1f%%",
            c.mean(), c.requests.sum(), heaviest.version(), base.mean(), split.gate().maxErrorIncreasePercent());
        log.warn("quality gate: version {} of '{}' loses its weight: {}", candidate.version(), split.model(), reason);
        try {
          registry.tripQualityGate(split.model(), candidate.version(), reason, "quality-gate");
        } catch (RuntimeException e) {
          log.warn("quality gate could not update the split of '{}': {}", split.model(), e.getMessage());
        }
        arms.remove(key(split, candidate.version()));
      }
    }
  }

  /** Statistics belong to one split: a new split (new weights, new gate) starts counting afresh. */
  private static String key(TrafficSplit split, int version) {
    return split.model() + "@" + split.updatedAt() + ":" + version;
  }

  @Override
  public void close() {
    judge.shutdownNow();
    try {
      judge.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
