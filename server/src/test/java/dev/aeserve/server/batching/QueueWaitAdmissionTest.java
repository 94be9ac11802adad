package dev.aeserve.server.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Rpc;
import dev.aeserve.server.grpc.StatusMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Refusal by predicted wait, through a real scheduler and its runner thread: the clock is fake and
 * moves only inside the model call, by as much as the test says a batch costs, and each model call
 * runs only when the test hands it over, so the queue holds exactly what the test put there.
 */
class QueueWaitAdmissionTest {

  private static final Lane<Matrix, Matrix> ENCODE = new Lane<>("encode", Rpc.ENCODE);
  private static final Lane<Matrix, Matrix> DECODE = new Lane<>("decode", Rpc.DECODE);

  /** Batches of 4 rows, ready at once, at most 10 ms of work queued, at most 200 rows. */
  private static final BatchPolicy POLICY = new BatchPolicy(4, Duration.ZERO, 200, List.of(), Duration.ofMillis(10));

  private final FakeTicker clock = new FakeTicker();
  /** What one model call costs on the fake clock. */
  private final AtomicLong batchNanos = new AtomicLong(1_000_000);
  /** Model calls the runner handed over, waiting for the test to run them. */
  private final BlockingQueue<Runnable> calls = new LinkedBlockingQueue<>();
  private final AtomicInteger queuedRows = new AtomicInteger();
  private final BatchObserver depth = new BatchObserver() {
    @Override
    public void onQueuedRows(Rpc rpc, int delta) {
      queuedRows.addAndGet(delta);
    }
  };

  /** Doubles its input, and the clock moves by one batch's cost while it does. */
  private final BatchKernel<Matrix, Matrix> doubling = new BatchKernel<>() {
    @Override
    public int rows(Matrix input) {
      return input.rows();
    }

    @Override
    public Matrix concat(List<Matrix> inputs) {
      int rows = inputs.stream().mapToInt(Matrix::rows).sum();
      float[] data = new float[rows];
      int i = 0;
      for (Matrix m : inputs) {
        for (float v : m.data()) {
          data[i++] = v;
        }
      }
      return new Matrix(rows, 1, data);
    }

    @Override
    public Matrix run(Matrix batch) {
      clock.advance(Duration.ofNanos(batchNanos.get()));
      float[] out = new float[batch.data().length];
      for (int i = 0; i < out.length; i++) {
        out[i] = batch.data()[i] * 2;
      }
      return new Matrix(batch.rows(), 1, out);
    }

    @Override
    public Matrix slice(Matrix output, int from, int to) {
      return output.slice(from, to);
    }
  };

  private final VersionScheduler scheduler = new VersionScheduler("wait:1", clock, depth, r -> {
    Thread t = new Thread(r);
    t.setDaemon(true);
    t.start();
  }, (Executor) calls::add);

  private final List<CompletableFuture<Matrix>> admitted = new ArrayList<>();
  private final List<Float> sent = new ArrayList<>();
  private float nextValue = 1;

  QueueWaitAdmissionTest() {
    scheduler.register(ENCODE, POLICY, doubling);
    scheduler.register(DECODE, POLICY, doubling);
  }

  @AfterEach
  void close() throws Exception {
    // Lets the runner finish whatever is left, on a thread of its own, so close() can drain.
    Thread drainer = new Thread(() -> {
      try {
        while (true) {
          calls.take().run();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    drainer.setDaemon(true);
    drainer.start();
    scheduler.close();
    drainer.interrupt();
  }

  @Test
  void beforeAnyBatchIsMeasuredOnlyTheRowCapRefuses() throws Exception {
    Runnable held = holdTheRunner();
    // 200 rows would be 50 batches: far beyond 10 ms at any rate this test ever measures.
    for (int i = 0; i < 200; i++) {
      submit(ENCODE, 1);
    }
    assertThat(queuedRows.get()).isEqualTo(200);
    assertThatThrownBy(() -> submit(ENCODE, 1)).isInstanceOfSatisfying(QueueFullException.class,
        e -> assertThat(e.getMessage()).contains("queue is full"));
    held.run();
    runBatches(50);
    assertEveryAdmittedCallServed();
  }

  @Test
  void refusesAtOnceWhatWouldWaitLongerThanTheBoundAndServesEveryAdmittedCall() throws Exception {
    measureBatches(20, 1_000_000);
    Runnable held = holdTheRunner();
    // 1 ms per batch of 4 rows: 40 rows are 10 ms of work, the bound. Both lanes share the runner.
    for (int i = 0; i < 20; i++) {
      submit(ENCODE, 1);
      submit(DECODE, 1);
    }
    int before = queuedRows.get();
    assertThat(before).isEqualTo(40);
    QueueFullException refused = catchRefusal(() -> submit(ENCODE, 1));
    assertThat(refused.getMessage()).contains("max_queue_wait (10.0 ms").contains("40 rows queued on wait:1");
    assertThat(refused.retryAfterMillis()).isEqualTo(1);
    StatusRuntimeException status = StatusMapper.toStatus(refused);
    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getTrailers().get(StatusMapper.RETRY_PUSHBACK_MS)).isEqualTo("1");
    // A larger request is refused too, and on the other lane; refusals leave the queue as it was.
    catchRefusal(() -> submit(DECODE, 3));
    assertThat(queuedRows.get()).isEqualTo(before);
    held.run();
    runBatches(10);
    assertEveryAdmittedCallServed();
    assertThat(queuedRows.get()).isZero();
    // With the queue drained, the same request is admitted again.
    submit(ENCODE, 1);
    runBatches(1);
    assertEveryAdmittedCallServed();
  }

  @Test
  void theBoundFollowsTheMeasuredRateAsBatchesGetFasterAndSlower() throws Exception {
    measureBatches(60, 1_000_000);
    assertThat(admittedWhileHeld()).isEqualTo(40);
    // 0.3 ms per batch: 33 batches (9.9 ms) fit under 10 ms, 34 do not.
    measureBatches(60, 300_000);
    assertThat(admittedWhileHeld()).isEqualTo(33 * 4);
    // 3 ms per batch: 3 batches (9 ms) fit, 4 (12 ms) do not.
    measureBatches(60, 3_000_000);
    assertThat(admittedWhileHeld()).isEqualTo(3 * 4);
    assertEveryAdmittedCallServed();
  }

  @Test
  void requestsThatFitTheNextBatchAreAdmittedWhateverABatchCosts() throws Exception {
    // One batch takes 50 ms, five times the bound: still, whatever fits in the next batch of 4 rows
    // runs next, as the first request of that batch does, and is admitted.
    measureBatches(ServiceRate.WARMUP_BATCHES + ServiceRate.MIN_BATCHES, 50_000_000);
    Runnable held = holdTheRunner();
    submit(ENCODE, 1);
    submit(ENCODE, 1);
    submit(ENCODE, 2);
    QueueFullException refused = catchRefusal(() -> submit(ENCODE, 1));
    assertThat(refused.getMessage()).contains("about 100.0 ms");
    // 100 ms predicted against a bound of one batch (50 ms): 50 ms over.
    assertThat(refused.retryAfterMillis()).isEqualTo(50);
    held.run();
    runBatches(1);
    assertEveryAdmittedCallServed();
  }

  /** Holds a one-row batch in the model call, submits one-row calls until one is refused, runs them all. */
  private int admittedWhileHeld() throws Exception {
    Runnable held = holdTheRunner();
    int rows = 0;
    while (true) {
      try {
        submit(ENCODE, 1);
        rows++;
      } catch (QueueFullException e) {
        assertThat(e.getMessage()).contains("max_queue_wait");
        break;
      }
    }
    held.run();
    runBatches((rows + 3) / 4);
    assertEveryAdmittedCallServed();
    return rows;
  }

  /** Runs {@code n} full batches that each cost {@code nanos}, one at a time. */
  private void measureBatches(int n, long nanos) throws Exception {
    batchNanos.set(nanos);
    for (int i = 0; i < n; i++) {
      submit(ENCODE, 4);
      runBatches(1);
    }
    assertEveryAdmittedCallServed();
  }

  /** Submits a one-row call and waits until the runner has taken it into a model call, which it returns unrun. */
  private Runnable holdTheRunner() throws Exception {
    submit(ENCODE, 1);
    Runnable call = calls.poll(30, TimeUnit.SECONDS);
    assertThat(call).as("the runner handed over a model call").isNotNull();
    assertThat(queuedRows.get()).isZero();
    return call;
  }

  private void runBatches(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      Runnable call = calls.poll(30, TimeUnit.SECONDS);
      assertThat(call).as("batch %d of %d was handed over", i + 1, n).isNotNull();
      call.run();
    }
  }

  private void submit(Lane<Matrix, Matrix> lane, int rows) {
    float[] values = new float[rows];
    for (int i = 0; i < rows; i++) {
      values[i] = nextValue++;
    }
    CompletableFuture<Matrix> f = scheduler.submit(lane, new Matrix(rows, 1, values), Job.NO_DEADLINE, () -> false);
    admitted.add(f);
    for (float v : values) {
      sent.add(v);
    }
  }

  private static QueueFullException catchRefusal(Runnable submit) {
    try {
      submit.run();
    } catch (QueueFullException e) {
      return e;
    }
    throw new AssertionError("expected a refusal");
  }

  /** Every admitted call got twice its own values back. */
  private void assertEveryAdmittedCallServed() throws Exception {
    int v = 0;
    for (CompletableFuture<Matrix> f : admitted) {
      Matrix m = f.get(30, TimeUnit.SECONDS);
      for (float got : m.data()) {
        assertThat(got).isEqualTo(2 * sent.get(v++));
      }
    }
    assertThat(v).isEqualTo(sent.size());
  }
}
