package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.EncodeResponse;
import dev.aeserve.proto.v1.MatrixEncoding;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.grpc.MatrixCodec;
import dev.aeserve.server.grpc.StatusMapper;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Dynamic batching through the whole server: merged batches, back-pressure, deadlines, metrics. */
class BatchingTest {

  private static final int WIDTH = 16;

  private static EncodeRequest encode(String model, int rows) {
    Matrix x = SyntheticData.manifold(rows, WIDTH, rows);
    return EncodeRequest.newBuilder()
        .setModel(ModelRef.newBuilder().setName(model))
        .setInputs(MatrixCodec.encode(x, MatrixEncoding.MATRIX_ENCODING_RAW_LE))
        .build();
  }

  private static double metric(String text, String name, String labels) {
    Matcher m = Pattern.compile("^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$", Pattern.MULTILINE)
        .matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void concurrentCallsShareBatchesAndEveryOutcomeIsCounted() throws Exception {
    BatchPolicy slowToClose = new BatchPolicy(64, Duration.ofMillis(50), 1024, List.of());
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false).withMetricsPort(0)
        .withBatching(BatchingConfig.of(slowToClose));
    try (ServerFixture f = ServerFixture.start(config)) {
      f.register("batched-ae", ServerFixture.tinyModel(WIDTH, 1));
      var stub = AutoencoderGrpc.newFutureStub(f.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      stub.encode(encode("batched-ae", 1)).get(); // load the version first
      List<ListenableFuture<EncodeResponse>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(stub.encode(encode("batched-ae", 1 + i % 3)));
      }
      for (int i = 0; i < 20; i++) {
        assertThat(calls.get(i).get(30, TimeUnit.SECONDS).getLatents().getRows()).isEqualTo(1 + i % 3);
      }

      HttpResponse<String> scrape = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.metricsPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      String text = scrape.body();
      String labels = "model=\"batched-ae\",rpc=\"encode\",version=\"1\"";
      String callLabels = "model=\"batched-ae\",protocol=\"aeserve\",rpc=\"encode\",version=\"1\"";
      assertThat(metric(text, "aeserve_requests_total", "code=\"OK\"," + callLabels)).isEqualTo(21);
      double batches = metric(text, "aeserve_batch_rows_count", labels);
      double rows = metric(text, "aeserve_batch_rows_sum", labels);
      int expectedRows = 1;
      for (int i = 0; i < 20; i++) {
        expectedRows += 1 + i % 3;
      }
      assertThat(rows).isEqualTo(expectedRows);
      assertThat(batches).isLessThan(21).isGreaterThanOrEqualTo(2);
      assertThat(metric(text, "aeserve_queue_seconds_count", labels)).isEqualTo(21);
      assertThat(metric(text, "aeserve_compute_seconds_count", labels)).isEqualTo(batches);
      assertThat(metric(text, "aeserve_request_seconds_count", callLabels)).isEqualTo(21);
    }
  }

  @Test
  void aFullQueueRejectsAtOnceWithARetryHintAndDeadlinesExpireInTheQueue() throws Exception {
    // Batches close only when 8 rows are waiting or after 5 s, and the queue holds 8 rows.
    BatchPolicy tight = new BatchPolicy(8, Duration.ofSeconds(5), 8, List.of());
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false).withMetricsPort(0)
        .withBatching(BatchingConfig.of(BatchPolicy.defaults()).withOverride("tight-ae/encode", tight));
    try (ServerFixture f = ServerFixture.start(config)) {
      f.register("tight-ae", ServerFixture.tinyModel(WIDTH, 1));
      f.client.reconstruct(dev.aeserve.client.ModelSelector.model("tight-ae"), new float[1][WIDTH]); // loads it
      String labels = "model=\"tight-ae\",rpc=\"encode\",version=\"1\"";
      // Five rows wait for the batch to fill; their deadline is far off, so they are still queued
      // when the next call comes, however slow this machine is.
      var waiting = AutoencoderGrpc.newFutureStub(f.channel).withDeadlineAfter(60, TimeUnit.SECONDS)
          .encode(encode("tight-ae", 5));
      assertThatThrownBy(() -> AutoencoderGrpc.newBlockingStub(f.channel).encode(encode("tight-ae", 5)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.getStatus().getDescription()).contains("queue is full (5 rows waiting, at most 8)");
            assertThat(e.getTrailers().get(StatusMapper.RETRY_PUSHBACK_MS)).matches("\\d+");
          });
      // One row whose deadline passes while it waits (the batch closes 5 s after the first five
      // arrived): the caller gets DEADLINE_EXCEEDED and the engine never sees the row.
      var expiring = AutoencoderGrpc.newFutureStub(f.channel).withDeadlineAfter(200, TimeUnit.MILLISECONDS)
          .encode(encode("tight-ae", 1));
      assertThatThrownBy(() -> expiring.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .satisfies(e -> assertThat(Status.fromThrowable(e.getCause()).getCode())
              .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      assertThat(waiting.get(30, TimeUnit.SECONDS).getLatents().getRows()).isEqualTo(5);
      // The server's own counters: one batch of exactly the five live rows; the expired row was
      // dropped from the queue, not computed.
      String text = awaitMetric(f, "aeserve_batch_rows_count", labels, 0);
      assertThat(metric(text, "aeserve_batch_rows_sum", labels)).isEqualTo(5);
      assertThat(metric(text, "aeserve_requests_total",
          "code=\"OK\",model=\"tight-ae\",protocol=\"aeserve\",rpc=\"encode\",version=\"1\"")).isEqualTo(1);
      // Other RPCs of the same version have their own queue and still serve.
      assertThat(f.client.reconstruct(dev.aeserve.client.ModelSelector.model("tight-ae"), new float[2][WIDTH])
          .scores()).hasSize(2);
    }
  }

  /**
   * Scrapes the server's metrics until {@code name{labels}} exceeds {@code before} (the server has
   * recorded it) and returns the scrape.
   */
  private static String awaitMetric(ServerFixture f, String name, String labels, double before) throws Exception {
    long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      String text = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.server.metricsPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      if (metric(text, name, labels) > before) {
        return text;
      }
      assertThat(System.nanoTime() - guard).as(name + "{" + labels + "} never rose above " + before).isNegative();
      Thread.sleep(20); // a poll interval, not a verdict: the verdict is the counter rising
    }
  }
}
