package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * The edges of a quality gate and of a recorded routing state, one past each limit. Written when
 * mutation testing showed these comparisons could move by one without a test noticing
 * (docs/testing.md).
 */
class RoutingEdgesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aGateAcceptsZeroPercentAndOneRequestAndNothingBelow() {
    assertThat(new TrafficSplit.QualityGate(0, 1).maxErrorIncreasePercent()).isZero();
    assertThatThrownBy(() -> new TrafficSplit.QualityGate(-Double.MIN_VALUE, 1))
        .hasMessageStartingWith("quality gate: max error increase must be a finite percentage >= 0");
    assertThatThrownBy(() -> new TrafficSplit.QualityGate(10, 0))
        .hasMessage("quality gate: min requests must be >= 1, got 0");
  }

  private static JsonNode state(String buckets) throws Exception {
    return JSON.readTree("{\"split\": {\"primaries\": {\"1\": 100}, \"shadows\": {}, \"salt\": 7, \"gate\": null,"
        + " \"buckets\": " + buckets + "}, \"aliases\": {}}");
  }

  @Test
  void recordedBucketsMustCoverEveryBucketExactlyInRunsOfAtLeastOne() throws Exception {
    int all = TrafficSplit.BUCKETS;
    assertThat(RoutingState.fromJson("m", state("[[1, " + all + "]]")).split()).isPresent();
    assertThat(RoutingState.fromJson("m", state("[[1, 1], [1, " + (all - 1) + "]]")).split()).isPresent();
    for (String broken : new String[] {"[[1, 0], [1, " + all + "]]", "[[1, " + (all + 1) + "]]",
        "[[1, 1], [1, " + all + "]]"}) {
      assertThatThrownBy(() -> RoutingState.fromJson("m", state(broken))).as(broken)
          .hasMessage("recorded buckets of 'm' do not cover " + all);
    }
  }
}
