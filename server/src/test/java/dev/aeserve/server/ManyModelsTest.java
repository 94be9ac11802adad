package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.ModelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many small models on one server under a memory budget that holds a few of them: every call is
 * served, the loaded set stays within the budget, and what an alias routes to is never evicted.
 */
class ManyModelsTest {

  private static final int WIDTH = 16;
  private static final int MODELS = 12;
  private static final int HELD = 3;

  @Test
  void aBudgetHoldsTheModelsInUseAndLoadsTheRestOnDemand() throws Exception {
    TrainedModel m = ServerFixture.tinyModel(WIDTH, 1);
    long cost = m.weights().length;
    ServerConfig config = ServerConfig.defaults().withPort(0).withMaxRowsPerRequest(64).withPreload(false)
        .withModelMemoryBudgetBytes(HELD * cost);
    try (ServerFixture f = ServerFixture.start(config)) {
      for (int i = 0; i < MODELS; i++) {
        f.register("tenant-" + i, m);
      }
      // tenant-0's production alias pins it: it must survive every eviction below.
      f.client.setAlias("tenant-0", "production", 1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!f.server.pinnedVersions().contains("tenant-0:1") && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(f.server.pinnedVersions()).contains("tenant-0:1");

      float[][] rows = SyntheticData.manifold(2, WIDTH, 3).toArray();
      AtomicInteger ok = new AtomicInteger();
      List<String> overBudget = new java.util.concurrent.CopyOnWriteArrayList<>();
      ExecutorService callers = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          long seed = t;
          done.add(callers.submit(() -> {
            Random random = new Random(seed);
            for (int i = 0; i < 60; i++) {
              // A skewed mix: low-numbered tenants are hot, the tail is cold.
              int tenant = Math.min(MODELS - 1, (int) Math.floor(-Math.log(1 - random.nextDouble()) * 2.5));
              f.client.encode(ModelSelector.model("tenant-" + tenant), rows);
              ok.incrementAndGet();
              int loaded = f.server.loadedVersions().size();
              // One load may be in flight beside the held set while an eviction drains.
              if (loaded > HELD + 1) {
                overBudget.add(loaded + " loaded");
              }
              if (!f.server.loadedVersions().contains("tenant-0:1")) {
                overBudget.add("the pinned tenant-0:1 was evicted");
              }
            }
            return null;
          }));
        }
        for (Future<?> d : done) {
          d.get(5, TimeUnit.MINUTES);
        }
      } finally {
        callers.shutdownNow();
      }
      assertThat(ok.get()).isEqualTo(240);
      assertThat(overBudget).isEmpty();
      String scrape = f.server.metrics().scrape();
      assertThat(counter(scrape, "aeserve_model_evictions_total")).isPositive();
      assertThat(counter(scrape, "aeserve_model_lookups_total{result=\"hit\"}")).isPositive();
      assertThat(counter(scrape, "aeserve_model_lookups_total{result=\"miss\"}")).isPositive();
      assertThat(counter(scrape, "aeserve_loaded_model_bytes")).isLessThanOrEqualTo(HELD * cost);
    }
  }

  private static double counter(String scrape, String sample) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }
}
