package dev.aeserve.server.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The service rate's arithmetic, batch by batch: no threads, no clock. */
class ServiceRateTest {

  @Test
  void unknownUntilEnoughWarmBatchesAreMeasuredAndTheColdOnesDoNotCount() {
    ServiceRate rate = new ServiceRate();
    // A cold engine: its first calls take 40 ms.
    for (int i = 0; i < ServiceRate.WARMUP_BATCHES; i++) {
      assertThat(rate.isKnown()).isFalse();
      rate.record(4, 40_000_000);
    }
    for (int i = 0; i < ServiceRate.MIN_BATCHES; i++) {
      assertThat(rate.isKnown()).isFalse();
      assertThat(rate.predictNanos(1_000, 64)).isZero();
      assertThat(rate.rowsPerSecond(64)).isNaN();
      rate.record(4, 1_000_000);
    }
    assertThat(rate.isKnown()).isTrue();
    assertThat(rate.predictNanos(8, 4)).isEqualTo(2_000_000);
  }

  @Test
  void learnsAFixedCostPerBatchAndACostPerRowFromBatchesOfDifferentSizes() {
    ServiceRate rate = new ServiceRate();
    // 100 µs per model call plus 10 µs per row.
    for (int round = 0; round < 5; round++) {
      for (int n : new int[] {1, 4, 16, 64}) {
        rate.record(n, 100_000 + 10_000L * n);
      }
    }
    // 640 rows in batches of 64: 10 calls and 640 rows.
    assertThat(rate.predictNanos(640, 64)).isCloseTo(10 * 100_000 + 640 * 10_000L, within(10L));
    // 5 rows in batches of 4: 2 calls.
    assertThat(rate.predictNanos(5, 4)).isCloseTo(2 * 100_000 + 5 * 10_000L, within(10L));
    assertThat(rate.rowsPerSecond(64)).isCloseTo(64 * 1e9 / (100_000 + 640_000), within(1.0));
  }

  @Test
  void batchesOfOneSizeChargeTheirTimePerBatch() {
    ServiceRate rate = new ServiceRate();
    for (int i = 0; i < 20; i++) {
      rate.record(8, 2_000_000);
    }
    assertThat(rate.predictNanos(8, 8)).isEqualTo(2_000_000);
    assertThat(rate.predictNanos(17, 8)).isEqualTo(3 * 2_000_000);
  }

  @Test
  void followsAnEngineThatGetsSlowerAndThenFaster() {
    ServiceRate rate = new ServiceRate();
    for (int i = 0; i < 50; i++) {
      rate.record(4, 1_000_000);
    }
    assertThat(rate.predictNanos(40, 4)).isCloseTo(10_000_000, within(1_000L));
    for (int i = 0; i < 50; i++) {
      rate.record(4, 3_000_000);
    }
    // 0.9^50 of the old weight is left: 0.5 % of the difference.
    assertThat(rate.predictNanos(40, 4)).isCloseTo(30_000_000, within(150_000L));
    for (int i = 0; i < 50; i++) {
      rate.record(4, 500_000);
    }
    assertThat(rate.predictNanos(40, 4)).isCloseTo(5_000_000, within(150_000L));
  }
}
