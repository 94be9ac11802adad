package dev.aeserve.bench;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives asynchronous calls in a closed loop (N calls in flight, each answer sending the next) or
 * an open loop (calls due at a fixed rate whatever the answers do). No thread waits on a call:
 * answers arrive on the channels' few transport threads (direct executor), so one core offers
 * what the server on the other core can take several times over. Every run is bounded in time,
 * and only ever talks to the loopback server the suite started. Latencies go into an
 * HdrHistogram (three significant digits).
 */
final class LoadGenerator {

  /** One kind of call: starts it and reports its status (code and message) when it ends, on any thread. */
  interface Target {
    void call(Consumer<Status> done);
  }

  /** CPU seconds the server side has used so far: read when the measured window opens and closes. */
  interface CpuProbe {
    double seconds();
  }

  /**
   * What a run measured. {@code offeredPerSecond} is the rate an open loop was asked for and
   * {@code sentPerSecond} the rate it sent (both NaN for a closed loop): the generator may fall
   * behind, and the report says so. {@code failed} holds every call that did not end OK, in the
   * window or not, with the first messages per status code.
   */
  record Result(long ok, long rejected, long otherFailures, double seconds, Histogram latencies,
      double offeredPerSecond, double sentPerSecond, double serverCpuSeconds, double generatorCpuSeconds,
      long failuresOutsideWindow, FailedCalls failed) {
    double throughput() {
      return ok / seconds;
    }

    /**
     * Failures other than RESOURCE_EXHAUSTED in the warm-up or among the calls still in flight when
     * the window closed: not in the window's figures, but never hidden.
     */
    long allOtherFailures() {
      return otherFailures + failuresOutsideWindow;
    }

    /** Calls the server handled in the CPU window (answered, refused, or failed). */
    long calls() {
      return ok + rejected + otherFailures;
    }

    /** The server's CPU milliseconds per call it handled, from its own accounting. */
    double serverCpuMsPerCall() {
      return calls() == 0 ? Double.NaN : 1000 * serverCpuSeconds / calls();
    }

    double p50() {
      return percentile(50);
    }

    double p90() {
      return percentile(90);
    }

    double p99() {
      return percentile(99);
    }

    /** Milliseconds; NaN when nothing was answered. */
    double percentile(double p) {
      return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(p) / 1e6;
    }
  }

  /**
   * Calls an open loop keeps in flight at most. Past it, a due call is not sent (and the sent
   * rate says so): an unanswered backlog would otherwise pile up in the client's transport.
   */
  static final int MAX_OUTSTANDING = 4096;

  private LoadGenerator() {}

  private static Histogram histogram() {
    // 1 µs .. 1 min, auto-resizing past it; 3 digits is 0.1 % resolution at any magnitude.
    ConcurrentHistogram h = new ConcurrentHistogram(1_000, 60_000_000_000L, 3);
    h.setAutoResize(true);
    return h;
  }

  /** {@code concurrency} calls always in flight; counts the calls that end in the measured window. */
  static Result closedLoop(Target target, CpuProbe server, int concurrency, Duration warmup, Duration duration)
      throws InterruptedException {
    AtomicLong ok = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong failedOutside = new AtomicLong();
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    Histogram latencies = histogram();
    FailedCalls failures = new FailedCalls();
    CountDownLatch stopped = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      new Caller(target, measuring, stop, stopped, latencies, ok, rejected, failed, failedOutside, failures).next();
    }
    Thread.sleep(warmup.toMillis());
    double serverBefore = server.seconds();
    double selfBefore = CpuTime.self();
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(duration.toMillis());
    measuring.set(false);
    double seconds = (System.nanoTime() - start) / 1e9;
    double serverCpu = server.seconds() - serverBefore;
    double selfCpu = CpuTime.self() - selfBefore;
    stop.set(true);
    stopped.await(60, TimeUnit.SECONDS);
    return new Result(ok.get(), rejected.get(), failed.get(), seconds, latencies, Double.NaN, Double.NaN,
        serverCpu, selfCpu, failedOutside.get(), failures);
  }

  /** One of a closed loop's in-flight slots: each answer sends its next call. */
  private record Caller(Target target, AtomicBoolean measuring, AtomicBoolean stop, CountDownLatch stopped,
      Histogram latencies, AtomicLong ok, AtomicLong rejected, AtomicLong failed, AtomicLong failedOutside,
      FailedCalls failures) {
    void next() {
      if (stop.get()) {
        stopped.countDown();
        return;
      }
      long start = System.nanoTime();
      target.call(status -> {
        Status.Code code = status.getCode();
        failures.record(status);
        if (measuring.get()) {
          count(code, ok, rejected, failed);
          if (code == Status.Code.OK) {
            latencies.recordValue(System.nanoTime() - start);
          }
        } else if (code != Status.Code.OK && code != Status.Code.RESOURCE_EXHAUSTED) {
          failedOutside.incrementAndGet();
        }
        next();
      });
    }
  }

  /**
   * Sends calls due at {@code ratePerSecond} for {@code warmup} (not counted) and then for
   * {@code duration}, whether or not earlier ones were answered. Latency counts from when each
   * call was due, so a generator that falls behind does not hide the server's queueing.
   */
  static Result openLoop(Target target, CpuProbe server, double ratePerSecond, Duration warmup, Duration duration)
      throws InterruptedException {
    FailedCalls failures = new FailedCalls();
    long failedInWarmup = 0;
    if (!warmup.isZero()) {
      Result w = openLoop(target, server, ratePerSecond, Duration.ZERO, warmup);
      failedInWarmup = w.allOtherFailures();
      failures.addAll(w.failed());
    }
    double serverBefore = server.seconds();
    double selfBefore = CpuTime.self();
    AtomicLong ok = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Histogram latencies = histogram();
    double intervalNanos = 1e9 / ratePerSecond;
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    AtomicLong outstanding = new AtomicLong();
    long sent = 0;
    for (long k = 0; ; k++) {
      long due = start + (long) (k * intervalNanos);
      if (due >= end) {
        break;
      }
      long wait = due - System.nanoTime();
      if (wait > 20_000) {
        LockSupport.parkNanos(wait);
      }
      if (outstanding.get() >= MAX_OUTSTANDING) {
        continue;
      }
      outstanding.incrementAndGet();
      sent++;
      target.call(status -> {
        Status.Code code = status.getCode();
        failures.record(status);
        count(code, ok, rejected, failed);
        if (code == Status.Code.OK) {
          latencies.recordValue(Math.max(0, System.nanoTime() - due));
        }
        outstanding.decrementAndGet();
      });
    }
    long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(5);
    }
    // The CPU window includes the drain: every call sent in the window is answered in it.
    double serverCpu = server.seconds() - serverBefore;
    double selfCpu = CpuTime.self() - selfBefore;
    double seconds = duration.toNanos() / 1e9;
    long lost = outstanding.get();
    for (long i = 0; i < lost; i++) {
      failures.record(Status.DEADLINE_EXCEEDED.withDescription(
          "no answer within 30 s of the window's end (counted as failed by the generator)"));
    }
    return new Result(ok.get(), rejected.get(), failed.get() + lost, seconds, latencies, ratePerSecond,
        sent / seconds, serverCpu, selfCpu, failedInWarmup, failures);
  }

  private static void count(Status.Code code, AtomicLong ok, AtomicLong rejected, AtomicLong failed) {
    switch (code) {
      case OK -> ok.incrementAndGet();
      case RESOURCE_EXHAUSTED -> rejected.incrementAndGet();
      default -> failed.incrementAndGet();
    }
  }
}
