package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.proto.v1.AutoencoderGrpc;
import dev.aeserve.proto.v1.EncodeRequest;
import dev.aeserve.proto.v1.Matrix;
import dev.aeserve.proto.v1.ModelRef;
import dev.aeserve.server.metrics.ServingMetrics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Metric labels come from resolved versions only: a scan of random names cannot grow the series. */
class MetricsCardinalityTest {

  private static final int WIDTH = 16;
  private static final int UNKNOWN_CALLS = 10_000;
  private static ServerFixture f;

  @BeforeAll
  static void start() {
    f = ServerFixture.start();
    f.register("counted-ae", ServerFixture.tinyModel(WIDTH, 1));
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  /** The label sets of one metric family (a histogram by its _count lines), as the text exposition shows them. */
  private static Set<String> series(String scrape, String sample) {
    Set<String> out = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(sample + "{")) {
        out.add(line.substring(sample.length(), line.lastIndexOf('}') + 1));
      }
    }
    return out;
  }

  private static double value(String scrape, String sample, String labels) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(sample + labels + " ")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private static boolean countedInBoth(String scrape) {
    return List.of("aeserve_requests_total", "aeserve_request_seconds_count").stream()
        .allMatch(family -> series(scrape, family).stream().anyMatch(s -> s.contains("model=\"counted-ae\"")));
  }

  @Test
  void tenThousandCallsForRandomUnknownNamesAddOneSeries() throws Exception {
    float[][] rows = SyntheticData.manifold(2, WIDTH, 5).toArray();
    f.client.encode(ModelSelector.model("counted-ae"), rows);
    // The outcome is counted just after the answer is sent, in both families one after the other:
    // wait for both rather than race them (a scrape between the two once read the histogram's
    // series as added by the unknown names).
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    String before = f.server.metrics().scrape();
    while (!countedInBoth(before) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      before = f.server.metrics().scrape();
    }
    assertThat(series(before, "aeserve_requests_total"))
        .anySatisfy(s -> assertThat(s).contains("model=\"counted-ae\"").contains("version=\"1\""));

    AutoencoderGrpc.AutoencoderBlockingStub stub = AutoencoderGrpc.newBlockingStub(f.channel);
    Matrix inputs = Matrix.newBuilder().setRows(1).setCols(WIDTH).addAllValues(java.util.Collections.nCopies(WIDTH, 0.5f))
        .build();
    ExecutorService callers = Executors.newFixedThreadPool(4);
    List<Future<List<String>>> done = new ArrayList<>();
    try {
      for (int t = 0; t < 4; t++) {
        long seed = t;
        done.add(callers.submit(() -> {
          Random random = new Random(seed);
          List<String> sent = new ArrayList<>();
          for (int i = 0; i < UNKNOWN_CALLS / 4; i++) {
            String name = "scan-" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
            sent.add(name);
            ModelRef.Builder ref = ModelRef.newBuilder().setName(name);
            if (i % 3 == 1) {
              ref.setVersion(1 + random.nextInt(5));
            } else if (i % 3 == 2) {
              ref.setAlias("production");
            }
            try {
              stub.encode(EncodeRequest.newBuilder().setModel(ref).setInputs(inputs).build());
              throw new AssertionError(name + " was served");
            } catch (StatusRuntimeException e) {
              assertThat(e.getStatus().getCode()).as(name).isEqualTo(Status.Code.NOT_FOUND);
            }
          }
          return sent;
        }));
      }
      List<String> names = new ArrayList<>();
      for (Future<List<String>> d : done) {
        names.addAll(d.get(5, TimeUnit.MINUTES));
      }
      String unresolved = "{code=\"NOT_FOUND\",model=\"" + ServingMetrics.UNRESOLVED
          + "\",protocol=\"aeserve\",rpc=\"encode\",version=\"" + ServingMetrics.UNRESOLVED + "\"}";
      double counted = value(before, "aeserve_requests_total", unresolved);
      // The last calls' outcomes are counted just after their answers: wait for all of them.
      String after = f.server.metrics().scrape();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (value(after, "aeserve_requests_total", unresolved) - counted < UNKNOWN_CALLS && System.nanoTime() < until) {
        Thread.onSpinWait();
        after = f.server.metrics().scrape();
      }
      for (String family : List.of("aeserve_requests_total", "aeserve_request_seconds_count")) {
        Set<String> added = new TreeSet<>(series(after, family));
        added.removeAll(series(before, family));
        assertThat(added).as(family).hasSizeLessThanOrEqualTo(1);
      }
      assertThat(value(after, "aeserve_requests_total", unresolved) - value(before, "aeserve_requests_total", unresolved))
          .isEqualTo(UNKNOWN_CALLS);
      assertThat(names).hasSize(UNKNOWN_CALLS).noneMatch(after::contains);
      assertThat(after.length() - before.length()).isLessThan(4_096);
    } finally {
      callers.shutdownNow();
    }
  }
}
