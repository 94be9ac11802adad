package dev.aeserve.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.metrics.ServingMetrics;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A burst of cold loads of different versions runs at most {@link LoadedModels#LOAD_SLOTS} at a
 * time (one per core, plus one); the rest wait for a slot, then load, and every caller gets its version.
 */
class LoadSlotsTest {

  private static final int WIDTH = 8;

  @Test
  void aBurstOfColdLoadsRunsAFewAtATimeAndTheRestWaitTheirTurn() throws Exception {
    int versions = LoadedModels.LOAD_SLOTS + 3;
    TrainedModel m = new AutoencoderTrainer(new TrainingConfig(1, 16, 1e-3f, 0.1, 1, EngineKind.MXNET))
        .train(AutoencoderSpec.dense(WIDTH, List.of(8), 2, "sigmoid", "bce"), SyntheticData.manifold(32, WIDTH, 1));
    AtomicInteger reading = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    CountDownLatch letGo = new CountDownLatch(1);
    ExecutorService callers = Executors.newFixedThreadPool(versions);
    try (Database db = TestPostgres.openFreshDatabase(); PostgresModelRegistry real = new PostgresModelRegistry(db);
        ServingMetrics metrics = new ServingMetrics();
        LoadedModels runtime = new LoadedModels(held(real, reading, mostAtOnce, letGo), EngineKind.MXNET,
            List.of(ComputeDevice.CPU), BatchingConfig.of(BatchPolicy.defaults()), metrics, Ticker.SYSTEM)) {
      List<ModelVersion> all = new ArrayList<>();
      for (int i = 0; i < versions; i++) {
        real.createModel("tenant-" + i, "ae", "", "test");
        all.add(real.createVersion(new NewVersion("tenant-" + i, m.spec().toJson(), "{}", null, null, m.weights(), null),
            "test"));
      }
      List<CompletableFuture<Void>> loads = new ArrayList<>();
      for (ModelVersion v : all) {
        loads.add(CompletableFuture.runAsync(() -> runtime.load(v), callers));
      }
      // Every load has either reached the (held) artifact read or queued for a slot.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!(reading.get() == LoadedModels.LOAD_SLOTS && runtime.loadsWaiting() == versions - LoadedModels.LOAD_SLOTS)
          && System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      assertThat(reading.get()).as("loads reading at once").isEqualTo(LoadedModels.LOAD_SLOTS);
      assertThat(runtime.loadsWaiting()).as("loads waiting for a slot").isEqualTo(versions - LoadedModels.LOAD_SLOTS);

      letGo.countDown();
      CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(mostAtOnce.get()).isEqualTo(LoadedModels.LOAD_SLOTS);
      assertThat(runtime.loaded()).hasSize(versions);
      assertThat(runtime.loadsWaiting()).isZero();
    } finally {
      letGo.countDown();
      callers.shutdownNow();
    }
  }

  /** The real registry, except that artifact reads are counted and wait for the test's {@code letGo}. */
  private static ModelRegistry held(ModelRegistry real, AtomicInteger reading, AtomicInteger mostAtOnce,
      CountDownLatch letGo) {
    return (ModelRegistry) Proxy.newProxyInstance(ModelRegistry.class.getClassLoader(),
        new Class<?>[] {ModelRegistry.class}, (proxy, method, args) -> {
          boolean read = method.getName().equals("loadArtifact");
          if (read) {
            mostAtOnce.accumulateAndGet(reading.incrementAndGet(), Math::max);
            assertThat(letGo.await(60, TimeUnit.SECONDS)).as("the test let the reads go").isTrue();
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          } finally {
            if (read) {
              reading.decrementAndGet();
            }
          }
        });
  }
}
