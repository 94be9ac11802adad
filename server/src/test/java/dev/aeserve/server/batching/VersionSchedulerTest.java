package dev.aeserve.server.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.server.ServerUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runner thread: real threads, racing callers, every request completed exactly once. */
class VersionSchedulerTest {

  /** Kernels over matrices: a request's rows are its matrix's rows. */
  private abstract static class MatrixKernel implements BatchKernel<Matrix, Matrix> {
    @Override
    public int rows(Matrix input) {
      return input.rows();
    }

    @Override
    public Matrix concat(List<Matrix> inputs) {
      int rows = inputs.stream().mapToInt(Matrix::rows).sum();
      float[] data = new float[rows * inputs.get(0).cols()];
      int offset = 0;
      for (Matrix m : inputs) {
        System.arraycopy(m.data(), 0, data, offset, m.data().length);
        offset += m.data().length;
      }
      return new Matrix(rows, inputs.get(0).cols(), data);
    }

    @Override
    public Matrix slice(Matrix output, int from, int to) {
      return output.slice(from, to);
    }
  }

  private static final Lane<Matrix, Matrix> ENCODE = new Lane<>("encode", Rpc.ENCODE);
  private static final Lane<Matrix, Matrix> DECODE = new Lane<>("decode", Rpc.DECODE);

  /** Doubles every value, so each caller can check it got its own rows back. */
  private static final BatchKernel<Matrix, Matrix> DOUBLE = new MatrixKernel() {
    @Override
    public Matrix run(Matrix batch) {
      float[] out = new float[batch.data().length];
      for (int i = 0; i < out.length; i++) {
        out[i] = batch.data()[i] * 2;
      }
      return new Matrix(batch.rows(), batch.cols(), out);
    }
  };

  @Test
  void concurrentCallersGetTheirOwnRowsInBatches() throws Exception {
    List<int[]> batches = new ArrayList<>();
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onBatch(Rpc rpc, int requests, int rows, long computeNanos) {
        synchronized (batches) {
          batches.add(new int[] {requests, rows});
        }
      }
    };
    try (VersionScheduler s = new VersionScheduler("t:1", Ticker.SYSTEM, observer)) {
      s.register(ENCODE, new BatchPolicy(64, Duration.ofMillis(20), 4096, List.of()), DOUBLE);
      List<CompletableFuture<Matrix>> futures = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        futures.add(s.submit(ENCODE, new Matrix(1, 2, new float[] {i + 1, -(i + 1)}), Job.NO_DEADLINE, () -> false));
      }
      for (int i = 0; i < 32; i++) {
        assertThat(futures.get(i).get(10, TimeUnit.SECONDS).data()).containsExactly(2f * (i + 1), -2f * (i + 1));
      }
    }
    // Every row was computed once. How many batches they formed depends on how fast this machine
    // submitted them against the real clock, so it is not a verdict here: that requests waiting
    // out the delay go as one batch is VersionSchedulerClockTest's, on a fake clock.
    assertThat(batches.stream().mapToInt(b -> b[1]).sum()).isEqualTo(32);
  }

  @Test
  void exactlyOnceCompletionUnderRacingSubmitsAndCancels() throws Exception {
    int callers = 8;
    int perCaller = 500;
    AtomicInteger completions = new AtomicInteger();
    AtomicInteger doubleCompletions = new AtomicInteger();
    AtomicInteger wrongRows = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<CompletableFuture<Matrix>> all = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try (VersionScheduler s = new VersionScheduler("stress:1", Ticker.SYSTEM, BatchObserver.NONE)) {
      s.register(ENCODE, new BatchPolicy(32, Duration.ofMillis(1), 512, List.of()), DOUBLE);
      s.register(DECODE, new BatchPolicy(16, Duration.ZERO, 512, List.of(8)), DOUBLE);
      CountDownLatch start = new CountDownLatch(1);
      List<java.util.concurrent.Future<List<CompletableFuture<Matrix>>>> work = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        int caller = c;
        work.add(pool.submit(() -> {
          start.await();
          List<CompletableFuture<Matrix>> mine = new ArrayList<>();
          ThreadLocalRandom rnd = ThreadLocalRandom.current();
          for (int i = 0; i < perCaller; i++) {
            float tag = caller * 100_000 + i;
            int rows = 1 + rnd.nextInt(4);
            float[] data = new float[rows];
            java.util.Arrays.fill(data, tag);
            AtomicBoolean cancelled = new AtomicBoolean();
            long deadline = rnd.nextInt(10) == 0 ? System.nanoTime() : Job.NO_DEADLINE;
            Rpc rpc = rnd.nextBoolean() ? Rpc.ENCODE : Rpc.DECODE;
            CompletableFuture<Matrix> f;
            try {
              f = s.submit(rpc == Rpc.ENCODE ? ENCODE : DECODE, new Matrix(rows, 1, data), deadline, cancelled::get);
            } catch (QueueFullException e) {
              refused.incrementAndGet();
              continue;
            }
            AtomicBoolean done = new AtomicBoolean();
            f.whenComplete((m, t) -> {
              completions.incrementAndGet();
              if (!done.compareAndSet(false, true)) {
                doubleCompletions.incrementAndGet();
              }
              if (m != null && (m.rows() != rows || m.data()[0] != 2 * tag)) {
                wrongRows.incrementAndGet();
              }
            });
            if (rnd.nextInt(4) == 0) {
              cancelled.set(true);
            }
            mine.add(f);
          }
          return mine;
        }));
      }
      start.countDown();
      for (var w : work) {
        all.addAll(w.get(60, TimeUnit.SECONDS));
      }
      CompletableFuture.allOf(all.stream().map(f -> f.handle((m, t) -> null)).toArray(CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(all).allSatisfy(f -> assertThat(f).isDone());
    assertThat(completions.get()).isEqualTo(all.size());
    assertThat(doubleCompletions.get()).isZero();
    assertThat(wrongRows.get()).isZero();
    assertThat(all.size() + refused.get()).isEqualTo(callers * perCaller);
    long failedForAReason = all.stream().filter(CompletableFuture::isCompletedExceptionally).count();
    assertThat(failedForAReason).isPositive(); // some cancels and expired deadlines did land
  }

  @Test
  void closeRunsWhatIsQueuedThenRefusesNewWork() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BatchKernel<Matrix, Matrix> slow = new MatrixKernel() {
      @Override
      public Matrix run(Matrix batch) {
        entered.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return batch;
      }
    };
    VersionScheduler s = new VersionScheduler("drain:1", Ticker.SYSTEM, BatchObserver.NONE);
    // One row per batch: the first request runs (and blocks), the second waits in the queue.
    s.register(ENCODE, new BatchPolicy(1, Duration.ZERO, 64, List.of()), slow);
    CompletableFuture<Matrix> first = s.submit(ENCODE, new Matrix(1, 1, new float[] {1}), Job.NO_DEADLINE, () -> false);
    CompletableFuture<Matrix> second = s.submit(ENCODE, new Matrix(1, 1, new float[] {2}), Job.NO_DEADLINE, () -> false);
    assertThat(entered.await(30, TimeUnit.SECONDS)).as("the first batch started").isTrue();
    Thread closer = new Thread(s::close, "closer");
    closer.start();
    // close() has stopped intake and waits for the runner (its only timed wait) while the second
    // request is still queued: what runs from here on, close runs.
    while (closer.getState() != Thread.State.TIMED_WAITING) {
      assertThat(closer.isAlive()).as("close returned with a request still queued").isTrue();
      Thread.onSpinWait();
    }
    assertThat(second).as("queued behind the blocked batch").isNotDone();
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> s.submit(ENCODE, new Matrix(1, 1, new float[1]), Job.NO_DEADLINE, () -> false))
        .isInstanceOf(ServerUnavailableException.class);
    release.countDown();
    closer.join(30_000);
    assertThat(closer.isAlive()).as("close returned").isFalse();
    assertThat(first).isCompletedWithValueMatching(m -> m.data()[0] == 1f);
    assertThat(second).as("queued before close, run by it").isCompletedWithValueMatching(m -> m.data()[0] == 2f);
  }

  @Test
  void aRequestThatFailsItsBatchFailsAloneAndTheOthersGetTheirAnswers() throws Exception {
    // A model call that cannot compute a negative value: one request's rows fail the whole call.
    BatchKernel<Matrix, Matrix> picky = new MatrixKernel() {
      @Override
      public Matrix run(Matrix batch) {
        for (float v : batch.data()) {
          if (v < 0) {
            throw new IllegalArgumentException("cannot compute " + v);
          }
        }
        return DOUBLE.run(batch);
      }
    };
    VersionScheduler s = new VersionScheduler("picky:1", new FakeTicker(), BatchObserver.NONE);
    try {
      // The queue waits for 4 rows (no delay passes on the fake clock): all four share one batch.
      s.register(ENCODE, new BatchPolicy(4, Duration.ofSeconds(1), 64, List.of()), picky);
      List<CompletableFuture<Matrix>> futures = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        futures.add(s.submit(ENCODE, new Matrix(1, 1, new float[] {i == 2 ? -1 : i + 1}), Job.NO_DEADLINE, () -> false));
      }
      for (int i = 0; i < 4; i++) {
        if (i == 2) {
          org.assertj.core.api.Assertions.assertThatThrownBy(() -> futures.get(2).get(10, TimeUnit.SECONDS))
              .hasRootCauseInstanceOf(IllegalArgumentException.class);
        } else {
          assertThat(futures.get(i).get(10, TimeUnit.SECONDS).data()).containsExactly(2f * (i + 1));
        }
      }
    } finally {
      s.close();
    }
  }
}
