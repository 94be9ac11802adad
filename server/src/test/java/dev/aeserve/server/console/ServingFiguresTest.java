package dev.aeserve.server.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The console's reading of the Prometheus text: counts, rates, and quantiles as histogram_quantile computes them. */
class ServingFiguresTest {

  private static final String TEXT = """
      # HELP aeserve_requests_total Calls by outcome
      # TYPE aeserve_requests_total counter
      aeserve_requests_total{code="OK",model="m",rpc="encode",version="2"} 90.0
      aeserve_requests_total{code="RESOURCE_EXHAUSTED",model="m",rpc="encode",version="2"} 10.0
      aeserve_request_seconds_bucket{model="m",rpc="encode",version="2",le="0.001"} 0
      aeserve_request_seconds_bucket{model="m",rpc="encode",version="2",le="0.01"} 50
      aeserve_request_seconds_bucket{model="m",rpc="encode",version="2",le="0.1"} 100
      aeserve_request_seconds_bucket{model="m",rpc="encode",version="2",le="+Inf"} 100
      aeserve_batch_rows_count{model="m",rpc="encode",version="2"} 20
      aeserve_batch_rows_sum{model="m",rpc="encode",version="2"} 150
      aeserve_queue_rows{model="m",rpc="encode",version="2"} 7
      aeserve_console_requests_total{code="OK",model="m",rpc="reconstruct",version="2"} 3
      aeserve_model_lookups_total{result="hit"} 5
      """;

  @Test
  void readsCountsRefusalsBatchesQueueDepthAndQuantiles() {
    AtomicReference<String> text = new AtomicReference<>(TEXT);
    AtomicLong now = new AtomicLong();
    ServingFigures figures = new ServingFigures(text::get, now::get);
    List<ServingFigures.Row> rows = figures.read();
    assertThat(rows).extracting(r -> r.key().rpc()).containsExactly("encode", "reconstruct");
    ServingFigures.Row encode = rows.get(0);
    assertThat(encode.requests()).isEqualTo(100);
    assertThat(encode.refused()).isEqualTo(10);
    assertThat(encode.requestsPerSecond()).as("no rate before a second reading").isNaN();
    // Rank 50 is the top of the (0.001, 0.01] bucket; rank 95 is 90% into (0.01, 0.1].
    assertThat(encode.p50()).isCloseTo(0.01, within(1e-12));
    assertThat(encode.p95()).isCloseTo(0.01 + 0.09 * 0.9, within(1e-12));
    assertThat(encode.meanBatchRows()).isEqualTo(7.5);
    assertThat(encode.queuedRows()).isEqualTo(7);
    assertThat(rows.get(1).consoleCalls()).isEqualTo(3);

    // 20 more calls over 2 seconds.
    text.set(TEXT.replace("} 90.0", "} 110.0"));
    now.set(2_000_000_000L);
    assertThat(figures.read().get(0).requestsPerSecond()).isEqualTo(10.0);
  }
}
