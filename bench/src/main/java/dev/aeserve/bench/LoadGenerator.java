package dev.aeserve.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Drives a call in a closed loop (N callers, each waiting for its answer before the next call) or
 * an open loop (calls sent at a fixed rate whatever the answers do). Every run is bounded in time
 * and stops by itself; it only ever talks to the loopback server the suite started.
 */
final class LoadGenerator {

  /**
   * What a run measured. {@code sentPerSecond} is the rate an open loop achieved (NaN for a closed
   * loop): on a small machine the generator itself can fall behind the rate it was asked for.
   */
  record Result(long ok, long rejected, long otherFailures, double seconds, Latencies latencies, double sentPerSecond) {
    double throughput() {
      return ok / seconds;
    }

    double p50() {
      return latencies.percentileMillis(50);
    }

    double p90() {
      return latencies.percentileMillis(90);
    }

    double p99() {
      return latencies.percentileMillis(99);
    }
  }

  /** A unary call that blocks until answered, throwing on a non-OK status. */
  interface BlockingCall {
    void run() throws Exception;
  }

  private LoadGenerator() {}

  static Result closedLoop(int concurrency, Duration warmup, Duration duration, BlockingCall call)
      throws InterruptedException {
    AtomicLong ok = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    Latencies all = new Latencies();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      Thread t = new Thread(() -> {
        Latencies mine = new Latencies();
        while (!stop.get()) {
          long start = System.nanoTime();
          Status.Code code = Status.Code.OK;
          try {
            call.run();
          } catch (Exception e) {
            code = Status.fromThrowable(e).getCode();
          }
          if (measuring.get()) {
            count(code, ok, rejected, failed);
            if (code == Status.Code.OK) {
              mine.add(System.nanoTime() - start);
            }
          }
        }
        all.addAll(mine);
        done.countDown();
      }, "bench-caller-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    Thread.sleep(warmup.toMillis());
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(duration.toMillis());
    measuring.set(false);
    double seconds = (System.nanoTime() - start) / 1e9;
    stop.set(true);
    done.await(30, TimeUnit.SECONDS);
    return new Result(ok.get(), rejected.get(), failed.get(), seconds, all, Double.NaN);
  }

  /**
   * Calls an open loop keeps in flight at most. Past it, a due call is not sent (and the achieved
   * rate says so): on a small machine an unanswered backlog would otherwise pile up in the
   * client's transport until it runs out of memory.
   */
  static final int MAX_OUTSTANDING = 4096;

  /**
   * Sends calls due at a fixed rate, whether or not earlier ones were answered. Latency counts from
   * when each call was sent; if the generator falls behind, the achieved rate says so.
   */
  static Result openLoop(double ratePerSecond, Duration duration, Supplier<ListenableFuture<?>> call)
      throws InterruptedException {
    AtomicLong ok = new AtomicLong();
    AtomicLong rejected = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Latencies latencies = new Latencies();
    long intervalNanos = (long) (1e9 / ratePerSecond);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    AtomicLong outstanding = new AtomicLong();
    long sent = 0;
    for (long due = start; due < end; due += intervalNanos) {
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (outstanding.get() >= MAX_OUTSTANDING) {
        continue;
      }
      long sentAt = System.nanoTime();
      outstanding.incrementAndGet();
      sent++;
      Futures.addCallback(call.get(), new FutureCallback<Object>() {
        @Override
        public void onSuccess(Object result) {
          latencies.add(System.nanoTime() - sentAt);
          ok.incrementAndGet();
          outstanding.decrementAndGet();
        }

        @Override
        public void onFailure(Throwable t) {
          count(Status.fromThrowable(t).getCode(), ok, rejected, failed);
          outstanding.decrementAndGet();
        }
      }, MoreExecutors.directExecutor());
    }
    long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(5);
    }
    double seconds = duration.toNanos() / 1e9;
    long lost = outstanding.get();
    return new Result(ok.get(), rejected.get(), failed.get() + lost, seconds, latencies, sent / seconds);
  }

  private static void count(Status.Code code, AtomicLong ok, AtomicLong rejected, AtomicLong failed) {
    switch (code) {
      case OK -> ok.incrementAndGet();
      case RESOURCE_EXHAUSTED -> rejected.incrementAndGet();
      default -> failed.incrementAndGet();
    }
  }
}
