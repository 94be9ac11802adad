package dev.aeserve.server.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.server.ServerUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler driven step by step: time is a {@link FakeTicker} that moves only when the test
 * says, the runner is a thread the test owns (so it can see it stop, or interrupt it), and a
 * kernel that must hold a batch waits on a latch. Every verdict is an outcome (which batch ran,
 * in what order, how long it waited on the fake clock), never how fast something happened; the
 * time limits on awaits are only guards against a hang.
 */
class VersionSchedulerClockTest {

  private static final long GUARD_SECONDS = 30;
  private static final Lane<Matrix, Matrix> ENCODE = new Lane<>("encode", Rpc.ENCODE);
  private static final Lane<Matrix, Matrix> DECODE = new Lane<>("decode", Rpc.DECODE);
  private static final Lane<Matrix, Matrix> SAMPLE = new Lane<>("sample", Rpc.SAMPLE);

  private final FakeTicker clock = new FakeTicker();
  private final OwnedRunner runner = new OwnedRunner();
  private final List<String> events = Collections.synchronizedList(new ArrayList<>());
  private final List<VersionScheduler> toClose = new ArrayList<>();
  /**
   * What a held kernel waits for. Opened after each test before the schedulers close, so a test
   * that fails while a batch is held fails at once instead of hanging in close (PIT would count
   * such a mutant as timed out, after a minion restart, rather than killed).
   */
  private final CountDownLatch release = new CountDownLatch(1);

  /** Starts the scheduler's runner loop on a thread the test can watch and interrupt. */
  private static final class OwnedRunner implements Executor {
    volatile Thread thread;
    volatile boolean interruptedAtEnd;
    final CountDownLatch ended = new CountDownLatch(1);

    @Override
    public void execute(Runnable loop) {
      Thread t = new Thread(() -> {
        try {
          loop.run();
        } finally {
          interruptedAtEnd = Thread.currentThread().isInterrupted();
          ended.countDown();
        }
      }, "test-runner");
      t.setDaemon(true);
      thread = t;
      t.start();
    }
  }

  /** Returns its input; each call runs {@code onRun} first, with the batch. */
  private static BatchKernel<Matrix, Matrix> kernel(Consumer<Matrix> onRun) {
    return new BatchKernel<>() {
      @Override
      public int rows(Matrix input) {
        return input.rows();
      }

      @Override
      public Matrix concat(List<Matrix> inputs) {
        int rows = inputs.stream().mapToInt(Matrix::rows).sum();
        float[] data = new float[rows];
        int at = 0;
        for (Matrix m : inputs) {
          System.arraycopy(m.data(), 0, data, at, m.rows());
          at += m.rows();
        }
        return new Matrix(rows, 1, data);
      }

      @Override
      public Matrix slice(Matrix output, int from, int to) {
        return output.slice(from, to);
      }

      @Override
      public Matrix run(Matrix batch) {
        onRun.accept(batch);
        return batch;
      }
    };
  }

  private static Matrix row(float... values) {
    return new Matrix(values.length, 1, values);
  }

  private VersionScheduler scheduler(String name, BatchObserver observer) {
    VersionScheduler s = new VersionScheduler(name, clock, observer, runner, Runnable::run);
    toClose.add(s);
    return s;
  }

  private CompletableFuture<Matrix> submit(VersionScheduler s, Lane<Matrix, Matrix> lane, float value) {
    return s.submit(lane, row(value), Job.NO_DEADLINE, () -> false);
  }

  private static void await(CountDownLatch latch, String what) throws InterruptedException {
    assertThat(latch.await(GUARD_SECONDS, TimeUnit.SECONDS)).as(what).isTrue();
  }

  private static float valueOf(CompletableFuture<Matrix> f) throws Exception {
    return f.get(GUARD_SECONDS, TimeUnit.SECONDS).data()[0];
  }

  @AfterEach
  void closeSchedulers() {
    release.countDown();
    toClose.forEach(VersionScheduler::close);
  }

  @Test
  void aBatchWaitsForItsDelayOnTheSchedulersClockThenGoesAsOne() throws Exception {
    List<long[]> batches = Collections.synchronizedList(new ArrayList<>());
    List<Long> waits = Collections.synchronizedList(new ArrayList<>());
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onBatch(Rpc rpc, int requests, int rows, long computeNanos) {
        batches.add(new long[] {requests, rows, computeNanos});
      }

      @Override
      public void onDequeued(Rpc rpc, long queueNanos) {
        waits.add(queueNanos);
      }
    };
    VersionScheduler s = scheduler("delay:1", observer);
    s.register(ENCODE, new BatchPolicy(64, Duration.ofMillis(20), 4096, List.of()), kernel(b -> {}));
    List<CompletableFuture<Matrix>> futures = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      futures.add(s.submit(ENCODE, new Matrix(1 + i % 2, 1, i % 2 == 0 ? new float[] {i} : new float[] {i, -i}),
          Job.NO_DEADLINE, () -> false));
    }
    // Nothing is due before 20 ms pass on the scheduler's clock, however long the test takes.
    assertThat(futures).noneMatch(CompletableFuture::isDone);
    clock.advance(Duration.ofMillis(20));
    for (int i = 0; i < 32; i++) {
      float[] expected = i % 2 == 0 ? new float[] {i} : new float[] {i, -i};
      assertThat(futures.get(i).get(GUARD_SECONDS, TimeUnit.SECONDS).data()).containsExactly(expected);
    }
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0)).containsExactly(32, 48, 0);
    assertThat(waits).hasSize(32).allMatch(w -> w == Duration.ofMillis(20).toNanos());
  }

  @Test
  void callersThatComeBackAsAGroupAreBatchedAgainWithoutWaitingOutTheDelay() throws Exception {
    List<Integer> batchRows = Collections.synchronizedList(new ArrayList<>());
    List<Long> waits = Collections.synchronizedList(new ArrayList<>());
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onBatch(Rpc rpc, int requests, int rows, long computeNanos) {
        batchRows.add(rows);
      }

      @Override
      public void onDequeued(Rpc rpc, long queueNanos) {
        waits.add(queueNanos);
      }
    };
    VersionScheduler s = scheduler("group:1", observer);
    s.register(ENCODE, new BatchPolicy(64, Duration.ofMillis(20), 4096, List.of()), kernel(b -> {}));
    // Four callers in a closed loop: each sends again once it has its answer.
    for (int round = 0; round < 3; round++) {
      List<CompletableFuture<Matrix>> futures = new ArrayList<>();
      for (int caller = 0; caller < 4; caller++) {
        futures.add(submit(s, ENCODE, 10 * round + caller));
      }
      if (round == 0) {
        assertThat(futures).as("the first batch waits for its delay").noneMatch(CompletableFuture::isDone);
        clock.advance(Duration.ofMillis(20));
      }
      for (int caller = 0; caller < 4; caller++) {
        assertThat(valueOf(futures.get(caller))).isEqualTo(10f * round + caller);
      }
    }
    assertThat(batchRows).containsExactly(4, 4, 4);
    assertThat(waits.subList(0, 4)).allMatch(w -> w == Duration.ofMillis(20).toNanos());
    assertThat(waits.subList(4, 12)).as("rounds 2 and 3 went when the fourth caller was back, the clock never moved")
        .allMatch(w -> w == 0L);
  }

  @Test
  void theRequestThatWaitedLongestGoesFirstWhicheverLaneItIsOn() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    List<Long> waits = Collections.synchronizedList(new ArrayList<>());
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onDequeued(Rpc rpc, long queueNanos) {
        waits.add(queueNanos);
      }
    };
    VersionScheduler s = scheduler("order:1", observer);
    BatchPolicy oneAtATime = new BatchPolicy(1, Duration.ZERO, 64, List.of());
    s.register(ENCODE, oneAtATime, kernel(b -> {
      events.add("encode " + b.data()[0]);
      if (b.data()[0] == 1f) {
        entered.countDown();
        try {
          release.await(GUARD_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }));
    s.register(DECODE, oneAtATime, kernel(b -> events.add("decode " + b.data()[0])));
    s.register(SAMPLE, oneAtATime, kernel(b -> events.add("sample " + b.data()[0])));
    CompletableFuture<Matrix> first = submit(s, ENCODE, 1);
    await(entered, "the first batch holds the runner");
    // Queued behind it, oldest first: decode at +1 ms, encode at +2 ms, sample at +3 ms; the lanes
    // were registered encode, decode, sample, so registration order alone would get this wrong.
    clock.advance(Duration.ofMillis(1));
    CompletableFuture<Matrix> decode = submit(s, DECODE, 2);
    clock.advance(Duration.ofMillis(1));
    CompletableFuture<Matrix> encode = submit(s, ENCODE, 3);
    clock.advance(Duration.ofMillis(1));
    CompletableFuture<Matrix> sample = submit(s, SAMPLE, 4);
    waits.clear();
    release.countDown();
    assertThat(valueOf(first)).isEqualTo(1f);
    assertThat(valueOf(decode)).isEqualTo(2f);
    assertThat(valueOf(encode)).isEqualTo(3f);
    assertThat(valueOf(sample)).isEqualTo(4f);
    assertThat(events).containsExactly("encode 1.0", "decode 2.0", "encode 3.0", "sample 4.0");
    // Each waited from its arrival until the clock's +3 ms, when its batch started.
    assertThat(waits).containsExactly(Duration.ofMillis(2).toNanos(), Duration.ofMillis(1).toNanos(), 0L);
  }

  @Test
  void computeTimeIsMeasuredOnTheClockAndSetsTheRetryHintOfAFullQueue() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    List<long[]> batches = Collections.synchronizedList(new ArrayList<>());
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onBatch(Rpc rpc, int requests, int rows, long computeNanos) {
        batches.add(new long[] {requests, rows, computeNanos});
      }
    };
    VersionScheduler s = scheduler("hint:1", observer);
    // One row per batch, at most 2 rows waiting; every model call takes 81 ms of the fake clock.
    s.register(ENCODE, new BatchPolicy(1, Duration.ZERO, 2, List.of()), kernel(b -> {
      clock.advance(Duration.ofMillis(81));
      if (b.data()[0] == 2f) {
        entered.countDown();
        try {
          release.await(GUARD_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }));
    assertThat(valueOf(submit(s, ENCODE, 1))).isEqualTo(1f);
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0)).containsExactly(1, 1, Duration.ofMillis(81).toNanos());
    CompletableFuture<Matrix> held = submit(s, ENCODE, 2);
    await(entered, "the second batch holds the runner");
    List<CompletableFuture<Matrix>> queued = List.of(submit(s, ENCODE, 3), submit(s, ENCODE, 4));
    // The moving average moved from its 1 ms start towards the 81 ms measured: (7 * 1 + 81) / 8 =
    // 11 ms per batch, and two one-row batches wait ahead.
    assertThatThrownBy(() -> submit(s, ENCODE, 5))
        .isInstanceOfSatisfying(QueueFullException.class, e -> assertThat(e.retryAfterMillis()).isEqualTo(22))
        .hasMessage("queue is full (2 rows waiting, at most 2); retry in about 22 ms");
    release.countDown();
    assertThat(valueOf(held)).isEqualTo(2f);
    assertThat(valueOf(queued.get(0))).isEqualTo(3f);
    assertThat(valueOf(queued.get(1))).isEqualTo(4f);
  }

  @Test
  void aLoneRequestThatFailsItsModelCallFailsOnceAndIsNotRunAgain() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    VersionScheduler s = scheduler("fails:1", BatchObserver.NONE);
    s.register(ENCODE, new BatchPolicy(1, Duration.ZERO, 64, List.of()), kernel(b -> {
      calls.incrementAndGet();
      if (b.data()[0] < 0) {
        throw new IllegalArgumentException("cannot compute " + b.data()[0]);
      }
    }));
    CompletableFuture<Matrix> failing = submit(s, ENCODE, -1);
    assertThatThrownBy(() -> failing.get(GUARD_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage("cannot compute -1.0");
    assertThat(valueOf(submit(s, ENCODE, 5))).isEqualTo(5f);
    assertThat(calls.get()).as("one call for the failing request, one for the next").isEqualTo(2);
  }

  @Test
  void aBatchWhoseEveryRequestWasCancelledComputesNothingAndTheRunnerCarriesOn() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger depth = new AtomicInteger();
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onQueuedRows(Rpc rpc, int delta) {
        depth.addAndGet(delta);
      }
    };
    VersionScheduler s = scheduler("cancelled:1", observer);
    s.register(ENCODE, new BatchPolicy(4, Duration.ofMillis(5), 64, List.of()), kernel(b -> calls.incrementAndGet()));
    CompletableFuture<Matrix> cancelled = s.submit(ENCODE, row(1), Job.NO_DEADLINE, () -> true);
    clock.advance(Duration.ofMillis(5));
    assertThatThrownBy(() -> cancelled.get(GUARD_SECONDS, TimeUnit.SECONDS))
        .hasCauseInstanceOf(CallCancelledException.class);
    CompletableFuture<Matrix> next = submit(s, ENCODE, 2);
    clock.advance(Duration.ofMillis(5));
    assertThat(valueOf(next)).isEqualTo(2f);
    assertThat(calls.get()).as("only the live request was computed").isEqualTo(1);
    assertThat(depth.get()).isZero();
  }

  @Test
  void closeRunsARequestStillWaitingForItsBatchToFillAndStopsTheRunner() throws Exception {
    VersionScheduler s = scheduler("close:1", BatchObserver.NONE);
    // On the fake clock the delay never passes: only close can send this batch.
    s.register(ENCODE, new BatchPolicy(4, Duration.ofSeconds(1), 64, List.of()), kernel(b -> events.add("ran")));
    CompletableFuture<Matrix> waiting = submit(s, ENCODE, 7);
    s.close();
    // Completed when close returns: close waited for the runner to send the batch.
    assertThat(waiting).isCompletedWithValueMatching(m -> m.data()[0] == 7f);
    // The runner's loop has returned by then too, but this test's thread wrapper counts down a
    // few instructions after it (CI once read 1 here): wait for that instead of reading it.
    await(runner.ended, "the runner stops after close");
    assertThatThrownBy(() -> submit(s, ENCODE, 8))
        .isInstanceOf(ServerUnavailableException.class)
        .hasMessage("model close:1 is being unloaded; retry");
  }

  @Test
  void interruptingTheRunnerFailsEveryQueuedRequestAsUnavailable() throws Exception {
    AtomicInteger depth = new AtomicInteger();
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onQueuedRows(Rpc rpc, int delta) {
        depth.addAndGet(delta);
      }
    };
    VersionScheduler s = scheduler("stop:1", observer);
    s.register(ENCODE, new BatchPolicy(4, Duration.ofSeconds(1), 64, List.of()), kernel(b -> events.add("ran")));
    s.register(DECODE, new BatchPolicy(4, Duration.ofSeconds(1), 64, List.of()), kernel(b -> events.add("ran")));
    CompletableFuture<Matrix> a = submit(s, ENCODE, 1);
    CompletableFuture<Matrix> b = s.submit(DECODE, new Matrix(2, 1, new float[] {2, 3}), Job.NO_DEADLINE, () -> false);
    assertThat(depth.get()).isEqualTo(3);
    runner.thread.interrupt();
    await(runner.ended, "the interrupted runner stops");
    // Failed before the runner stopped: nothing to wait for.
    for (CompletableFuture<Matrix> f : List.of(a, b)) {
      assertThat(f).isCompletedExceptionally();
      assertThatThrownBy(f::join)
          .cause()
          .isInstanceOf(ServerUnavailableException.class)
          .hasMessage("model stop:1 was stopped");
    }
    assertThat(runner.interruptedAtEnd).as("the runner's thread keeps its interrupt for its owner").isTrue();
    assertThat(events).isEmpty();
    assertThat(depth.get()).isZero();
  }

  @Test
  void theRunnerThreadCarriesTheVersionsNameWhileItRunsItAndGetsItsOwnNameBack() throws Exception {
    List<String> names = Collections.synchronizedList(new ArrayList<>());
    VersionScheduler s = scheduler("fashion-ae:3", BatchObserver.NONE);
    s.register(ENCODE, new BatchPolicy(1, Duration.ZERO, 64, List.of()),
        kernel(b -> names.add(Thread.currentThread().getName())));
    assertThat(valueOf(submit(s, ENCODE, 1))).isEqualTo(1f);
    assertThat(names).containsExactly("aeserve-runner-fashion-ae:3");
    s.close();
    await(runner.ended, "the runner stops");
    assertThat(runner.thread.getName()).isEqualTo("test-runner");
  }

  @Test
  void aLaneThatWasNeverRegisteredIsRefusedNamingIt() {
    VersionScheduler s = scheduler("lanes:1", BatchObserver.NONE);
    s.register(ENCODE, new BatchPolicy(1, Duration.ZERO, 64, List.of()), kernel(b -> {}));
    assertThatThrownBy(() -> submit(s, DECODE, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("no lane '")
        .hasMessageEndingWith("' on lanes:1");
  }
}
