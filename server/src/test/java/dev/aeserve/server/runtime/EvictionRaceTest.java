package dev.aeserve.server.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.Encoding;
import dev.aeserve.autoencoders.Matrix;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.ModelVersion;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.batching.BatchPolicy;
import dev.aeserve.server.batching.BatchingConfig;
import dev.aeserve.server.batching.Job;
import dev.aeserve.server.batching.Ticker;
import dev.aeserve.server.metrics.ServingMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A call that has looked a version up is served even when a load of another version evicts it
 * before the call queues: the eviction waits for the call's lease, and the next call loads the
 * version again. (CI once answered such a call UNAVAILABLE "is being unloaded".)
 */
class EvictionRaceTest {

  private static final int WIDTH = 8;
  private static final Admission ADMISSION = new Admission(RequestLimits.defaults());

  @Test
  void anEvictionWaitsForTheCallThatHoldsTheVersion() throws Exception {
    TrainedModel m = new AutoencoderTrainer(new TrainingConfig(1, 16, 1e-3f, 0.1, 1, EngineKind.MXNET))
        .train(AutoencoderSpec.dense(WIDTH, List.of(8), 2, "sigmoid", "bce"), SyntheticData.manifold(32, WIDTH, 1));
    try (Database db = TestPostgres.openFreshDatabase(); PostgresModelRegistry registry = new PostgresModelRegistry(db);
        ServingMetrics metrics = new ServingMetrics();
        // Room for one version: loading b must evict a.
        LoadedModels runtime = new LoadedModels(registry, EngineKind.MXNET, List.of(ComputeDevice.CPU),
            BatchingConfig.of(BatchPolicy.defaults()), m.weights().length, metrics, Ticker.SYSTEM)) {
      ModelVersion a = register(registry, "a", m);
      ModelVersion b = register(registry, "b", m);
      Matrix rows = SyntheticData.manifold(3, WIDTH, 2);

      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch evicted = new CountDownLatch(1);
      CompletableFuture<CompletableFuture<Encoding>> call = CompletableFuture.supplyAsync(() -> runtime.serve(a, s -> {
        holding.countDown();
        await(evicted);
        // a is no longer loaded (b took its room), yet the version this call holds still serves it.
        return s.submit(Lanes.ENCODE, ADMISSION.inputs(s.spec(), rows, List.of()), Job.NO_DEADLINE, () -> false);
      }));
      await(holding);
      runtime.load(b);
      assertThat(runtime.loaded()).containsExactly("b:1");
      evicted.countDown();
      Encoding e = call.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS);
      assertThat(e.mean().rows()).isEqualTo(3);

      // The next call for a loads it again (evicting b) and is answered the same.
      Encoding again = runtime.<CompletableFuture<Encoding>>serve(a, s -> s.submit(Lanes.ENCODE, ADMISSION.inputs(s.spec(), rows, List.of()),
          Job.NO_DEADLINE, () -> false)).get(30, TimeUnit.SECONDS);
      assertThat(again.mean().data()).containsExactly(e.mean().data());
      assertThat(runtime.loaded()).containsExactly("a:1");
    }
  }

  private static ModelVersion register(PostgresModelRegistry registry, String name, TrainedModel m) {
    registry.createModel(name, "ae", "", "test");
    return registry.createVersion(new NewVersion(name, m.spec().toJson(), "{}", null, null, m.weights(), null), "test");
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
