package dev.aeserve.server.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Matrix;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The batching policy, on a fake clock. */
class BatchQueueTest {

  private final FakeTicker clock = new FakeTicker();
  private final BatchPolicy policy = new BatchPolicy(8, Duration.ofMillis(5), 20, List.of());
  private final BatchQueue<Matrix, String> queue = new BatchQueue<>(policy, clock);

  private Job<Matrix, String> job(int rows) {
    return new Job<>(new Matrix(rows, 1, new float[rows]), rows, clock.nanos(), Job.NO_DEADLINE, () -> false);
  }

  private Job<Matrix, String> offer(int rows) {
    Job<Matrix, String> j = job(rows);
    queue.offer(j);
    return j;
  }

  @Test
  void aBatchClosesWhenFull() {
    offer(3);
    offer(3);
    assertThat(queue.isReady()).isFalse();
    offer(2);
    assertThat(queue.isReady()).isTrue();
    assertThat(queue.takeBatch()).hasSize(3);
    assertThat(queue.isEmpty()).isTrue();
  }

  @Test
  void aBatchClosesWhenItsOldestRequestHasWaitedMaxQueueDelay() {
    offer(1);
    clock.advance(Duration.ofMillis(3));
    offer(1);
    assertThat(queue.isReady()).isFalse();
    assertThat(queue.readyAtNanos() - clock.nanos()).isEqualTo(Duration.ofMillis(2).toNanos());
    clock.advance(Duration.ofMillis(2));
    assertThat(queue.isReady()).isTrue();
    assertThat(queue.takeBatch()).hasSize(2);
  }

  @Test
  void aBatchAsLargeAsThePreviousOneGoesWithoutWaitingOutTheDelay() {
    offer(2);
    offer(1);
    assertThat(queue.isReady()).as("the first batch of a queue waits for its delay").isFalse();
    clock.advance(Duration.ofMillis(5));
    assertThat(queue.takeBatch()).hasSize(2);

    offer(2);
    assertThat(queue.isReady()).as("2 rows, fewer than the previous batch's 3").isFalse();
    offer(1);
    assertThat(queue.isReady()).as("3 rows, as many as the previous batch, no time passed").isTrue();
    assertThat(queue.takeBatch()).hasSize(2);
  }

  @Test
  void theEarlyCloseFollowsThePreviousBatchDownAndNeverWaitsLongerThanTheDelay() {
    offer(4);
    offer(4);
    assertThat(queue.takeBatch()).as("full").hasSize(2);
    offer(1);
    assertThat(queue.isReady()).as("1 row after a batch of 8").isFalse();
    clock.advance(Duration.ofMillis(5));
    assertThat(queue.isReady()).as("the delay still closes it").isTrue();
    assertThat(queue.takeBatch()).hasSize(1);
    offer(1);
    assertThat(queue.isReady()).as("after a batch of 1 a lone request goes at once").isTrue();
  }

  @Test
  void aBatchOfDroppedRequestsOnlyLeavesThePreviousSizeAsItWas() {
    offer(3);
    clock.advance(Duration.ofMillis(5));
    assertThat(queue.takeBatch()).hasSize(1);
    AtomicBoolean cancelled = new AtomicBoolean(true);
    queue.offer(new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(), Job.NO_DEADLINE, cancelled::get));
    clock.advance(Duration.ofMillis(5));
    assertThat(queue.takeBatch()).isEmpty();
    offer(2);
    assertThat(queue.isReady()).as("2 rows, the previous batch that ran had 3").isFalse();
    offer(1);
    assertThat(queue.isReady()).isTrue();
  }

  @Test
  void batchesHoldWholeRequestsInArrivalOrderUpToMaxRows() {
    Job<Matrix, String> a = offer(3);
    Job<Matrix, String> b = offer(4);
    Job<Matrix, String> c = offer(2);
    Job<Matrix, String> d = offer(1);
    assertThat(queue.takeBatch()).containsExactly(a, b);
    assertThat(queue.takeBatch()).containsExactly(c, d);
  }

  @Test
  void aRequestLargerThanMaxBatchRowsRunsAlone() {
    Job<Matrix, String> big = offer(12);
    Job<Matrix, String> small = offer(1);
    assertThat(queue.takeBatch()).containsExactly(big);
    assertThat(queue.takeBatch()).containsExactly(small);
  }

  @Test
  void preferredSizesCloseEarlyAndShapeTheBatch() {
    BatchQueue<Matrix, String> q = new BatchQueue<>(new BatchPolicy(8, Duration.ofMillis(5), 20, List.of(4)), clock);
    Job<Matrix, String> a = job(2);
    Job<Matrix, String> b = job(2);
    Job<Matrix, String> c = job(1);
    q.offer(a);
    assertThat(q.isReady()).isFalse();
    q.offer(b);
    assertThat(q.isReady()).isTrue();
    q.offer(c);
    assertThat(q.takeBatch()).containsExactly(a, b);
    assertThat(q.takeBatch()).containsExactly(c);
  }

  @Test
  void aFullQueueRejectsAtOnceWithARetryHint() {
    offer(8);
    offer(8);
    assertThatThrownBy(() -> offer(5))
        .isInstanceOfSatisfying(QueueFullException.class, e -> {
          assertThat(e.retryAfterMillis()).isPositive();
          assertThat(e.getMessage()).contains("16 rows waiting, at most 20");
        });
    offer(4);
    assertThat(queue.queuedRows()).isEqualTo(20);
  }

  @Test
  void expiredRequestsAreDroppedBeforeComputeWithDeadlineExceeded() {
    Job<Matrix, String> expiring = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(),
        clock.nanos() + Duration.ofMillis(1).toNanos(), () -> false);
    queue.offer(expiring);
    Job<Matrix, String> patient = offer(1);
    clock.advance(Duration.ofMillis(5));
    assertThat(queue.takeBatch()).containsExactly(patient);
    assertThat(expiring.result()).isCompletedExceptionally();
    assertThatThrownBy(() -> expiring.result().get()).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(DeadlineExpiredException.class);
    assertThat(queue.queuedRows()).isZero();
  }

  @Test
  void cancelledRequestsAreDroppedBeforeCompute() {
    AtomicBoolean cancelled = new AtomicBoolean();
    Job<Matrix, String> j = new Job<>(new Matrix(2, 1, new float[2]), 2, clock.nanos(), Job.NO_DEADLINE, cancelled::get);
    queue.offer(j);
    Job<Matrix, String> other = offer(1);
    cancelled.set(true);
    assertThat(queue.takeBatch()).containsExactly(other);
    assertThatThrownBy(() -> j.result().get()).hasCauseInstanceOf(CallCancelledException.class);
  }

  @Test
  void whenEveryRequestIsDeadTheBatchIsEmpty() {
    Job<Matrix, String> j = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(), Job.NO_DEADLINE, () -> true);
    queue.offer(j);
    assertThat(queue.takeBatch()).isEmpty();
    assertThat(queue.isEmpty()).isTrue();
  }

  @Test
  void policyIsValidated() {
    assertThatThrownBy(() -> new BatchPolicy(0, Duration.ZERO, 10, List.of())).hasMessageContaining("max_batch_rows");
    assertThatThrownBy(() -> new BatchPolicy(8, Duration.ofMillis(-1), 10, List.of())).hasMessageContaining("max_queue_delay");
    assertThatThrownBy(() -> new BatchPolicy(8, Duration.ZERO, 4, List.of())).hasMessageContaining("max_queue_rows");
    assertThatThrownBy(() -> new BatchPolicy(8, Duration.ZERO, 10, List.of(9))).hasMessageContaining("preferred");
  }

  @Test
  void aCallWhoseDeadlineTheQueueAheadWouldOutlastIsRefusedAtOnce() {
    // Batches have taken 4 ms each lately; 16 rows are queued ahead: two batches, about 8 ms.
    for (int i = 0; i < 20; i++) {
      queue.recordBatchNanos(4_000_000);
    }
    offer(8);
    offer(8);
    Job<Matrix, String> hurried = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(),
        clock.nanos() + 5_000_000, () -> false);
    assertThatThrownBy(() -> queue.offer(hurried)).isInstanceOfSatisfying(QueueFullException.class, e -> {
      assertThat(e.getMessage()).contains("16 rows queued ahead").contains("deadline");
      assertThat(e.retryAfterMillis()).isBetween(6L, 9L);
    });
    assertThat(queue.queuedRows()).isEqualTo(16);
    // With time enough for the work ahead, the same call is admitted.
    Job<Matrix, String> patient = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(),
        clock.nanos() + 50_000_000, () -> false);
    queue.offer(patient);
    assertThat(queue.queuedRows()).isEqualTo(17);
    // Nothing ahead: even a short deadline is admitted; there is no work ahead to outlast it.
    BatchQueue<Matrix, String> empty = new BatchQueue<>(policy, clock);
    empty.offer(new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(), clock.nanos() + 1_000, () -> false));
    assertThat(empty.queuedRows()).isEqualTo(1);
  }

  // The edges below were found by mutation testing (docs/testing.md): each test fails if one
  // comparison moves by one or one sign flips.

  @Test
  void aDeadlineThatIsNowIsPassedAndTheMessageSaysHowLongItWaited() {
    Job<Matrix, String> live = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(),
        clock.nanos() + Duration.ofMillis(10).toNanos(), () -> false);
    Job<Matrix, String> due = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(),
        clock.nanos() + Duration.ofMillis(5).toNanos(), () -> false);
    queue.offer(due);
    queue.offer(live);
    clock.advance(Duration.ofMillis(5));
    assertThat(queue.takeBatch()).containsExactly(live);
    assertThatThrownBy(() -> due.result().get()).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(DeadlineExpiredException.class)
        .hasMessageContaining("the deadline passed after 5000 µs in the queue; nothing was computed");
    assertThat(live.result()).isNotDone();
  }

  @Test
  void isEmptyAndQueuedRowsFollowWhatIsWaiting() {
    assertThat(queue.policy()).isSameAs(policy);
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.isReady()).as("an empty queue, however long ago it last ran").isFalse();
    offer(3);
    assertThat(queue.isEmpty()).isFalse();
    assertThat(queue.queuedRows()).isEqualTo(3);
    queue.takeBatch();
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.queuedRows()).isZero();
  }

  @Test
  void aDeadlineExactlyAsLongAsTheWorkAheadIsAdmittedAndOneNanosecondLessIsNot() {
    offer(8);
    long wait = Duration.ofMillis(1).toNanos(); // one batch of 8 rows ahead, at the starting 1 ms per batch
    Job<Matrix, String> justInTime = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(),
        clock.nanos() + wait, () -> false);
    queue.offer(justInTime);
    Job<Matrix, String> tooTight = new Job<>(new Matrix(1, 1, new float[1]), 1, clock.nanos(),
        clock.nanos() + wait + wait - 1, () -> false);
    // 9 rows ahead now: two batches, 2 ms, and one nanosecond short of it.
    assertThatThrownBy(() -> queue.offer(tooTight)).isInstanceOfSatisfying(QueueFullException.class,
        e -> assertThat(e.getMessage()).isEqualTo("the 9 rows queued ahead take about 2000 µs, longer than the call's"
            + " deadline allows; retry in about 2 ms"));
  }

  @Test
  void thePreferredSizeIsTheLargestFilledExactlyByWholeRequests() {
    BatchQueue<Matrix, String> preferring = new BatchQueue<>(new BatchPolicy(8, Duration.ofMillis(5), 20, List.of(4, 6)),
        clock);
    Job<Matrix, String> a = new Job<>(new Matrix(2, 1, new float[2]), 2, clock.nanos(), Job.NO_DEADLINE, () -> false);
    Job<Matrix, String> b = new Job<>(new Matrix(2, 1, new float[2]), 2, clock.nanos(), Job.NO_DEADLINE, () -> false);
    Job<Matrix, String> c = new Job<>(new Matrix(3, 1, new float[3]), 3, clock.nanos(), Job.NO_DEADLINE, () -> false);
    preferring.offer(a);
    preferring.offer(b);
    preferring.offer(c);
    // Prefixes of 2, 4 and 7 rows: 4 is the largest preferred size they fill exactly.
    assertThat(preferring.takeBatch()).containsExactly(a, b);
    assertThat(preferring.takeBatch()).containsExactly(c);

    // With max rows queued (exactly 8) the maximum wins over the preferred 6.
    for (int i = 0; i < 4; i++) {
      preferring.offer(new Job<>(new Matrix(2, 1, new float[2]), 2, clock.nanos(), Job.NO_DEADLINE, () -> false));
    }
    assertThat(preferring.takeBatch()).hasSize(4);
  }

  @Test
  void policyLimitsAcceptTheirEdgesAndRefuseOnePast() {
    assertThat(new BatchPolicy(1, Duration.ZERO, 1, List.of(1)).maxBatchRows()).isOne();
    assertThatThrownBy(() -> new BatchPolicy(0, Duration.ZERO, 1, List.of())).hasMessage("max_batch_rows must be >= 1, got 0");
    assertThatThrownBy(() -> new BatchPolicy(4, Duration.ZERO, 3, List.of()))
        .hasMessage("max_queue_rows (3) must be >= max_batch_rows (4)");
    assertThat(new BatchPolicy(4, Duration.ZERO, 4, List.of(4)).preferredBatchRows()).containsExactly(4);
    assertThatThrownBy(() -> new BatchPolicy(4, Duration.ZERO, 4, List.of(5)))
        .hasMessage("preferred batch size 5 must be in [1, 4]");
    assertThatThrownBy(() -> new BatchPolicy(4, Duration.ZERO, 4, List.of(0)))
        .hasMessage("preferred batch size 0 must be in [1, 4]");
    assertThat(BatchPolicy.unbatched()).isEqualTo(new BatchPolicy(1, Duration.ZERO, 8192, List.of()));
    assertThat(BatchPolicy.defaults().withMaxQueueDelay(Duration.ofMillis(7)).maxQueueDelay()).isEqualTo(Duration.ofMillis(7));
    assertThat(BatchPolicy.defaults().withMaxQueueRows(9000).maxQueueRows()).isEqualTo(9000);
  }

  @Test
  void failAllFailsEveryWaitingRequestAndEmptiesTheQueue() {
    Job<Matrix, String> a = offer(2);
    Job<Matrix, String> b = offer(3);
    queue.failAll(new IllegalStateException("stopped"));
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.queuedRows()).isZero();
    for (Job<Matrix, String> j : List.of(a, b)) {
      assertThatThrownBy(() -> j.result().get()).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("stopped");
    }
  }
}
