package dev.aeserve.server.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.Rpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The scheduler reports every change of its queued rows, so their running sum is the queue depth. */
class QueueDepthTest {

  private static final Lane<Matrix, Matrix> ENCODE = new Lane<>("encode", Rpc.ENCODE);

  private static final BatchKernel<Matrix, Matrix> IDENTITY = new BatchKernel<>() {
    @Override
    public int rows(Matrix input) {
      return input.rows();
    }

    @Override
    public Matrix concat(List<Matrix> inputs) {
      int rows = inputs.stream().mapToInt(Matrix::rows).sum();
      float[] data = new float[rows];
      for (int i = 0; i < inputs.size(); i++) {
        data[i] = inputs.get(i).data()[0];
      }
      return new Matrix(rows, 1, data);
    }

    @Override
    public Matrix slice(Matrix output, int from, int to) {
      return output.slice(from, to);
    }

    @Override
    public Matrix run(Matrix batch) {
      return batch;
    }
  };

  @Test
  void queuedRowsRiseAsRequestsQueueAndFallToZeroWhenTheirBatchIsTaken() throws Exception {
    AtomicInteger depth = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    BatchObserver observer = new BatchObserver() {
      @Override
      public void onQueuedRows(Rpc rpc, int delta) {
        assertThat(rpc).isEqualTo(Rpc.ENCODE);
        peak.accumulateAndGet(depth.addAndGet(delta), Math::max);
      }
    };
    // On the fake clock no delay passes: the queue waits for 4 rows.
    try (VersionScheduler s = new VersionScheduler("depth:1", new FakeTicker(), observer)) {
      s.register(ENCODE, new BatchPolicy(4, Duration.ofSeconds(1), 64, List.of()), IDENTITY);
      List<CompletableFuture<Matrix>> futures = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        futures.add(s.submit(ENCODE, new Matrix(1, 1, new float[] {i}), Job.NO_DEADLINE, () -> false));
        assertThat(depth.get()).as("rows queued after %d requests", i + 1).isEqualTo(i + 1);
      }
      futures.add(s.submit(ENCODE, new Matrix(1, 1, new float[] {3}), Job.NO_DEADLINE, () -> false));
      for (CompletableFuture<Matrix> f : futures) {
        f.get(10, TimeUnit.SECONDS);
      }
      // The batch was taken before it computed, so its answers mean its rows have left the queue.
      assertThat(depth.get()).isZero();
      assertThat(peak.get()).isBetween(3, 4);
    }
  }
}
