package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Autoencoder;
import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.ModelSelector;
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
import dev.aeserve.server.runtime.Admission;
import dev.aeserve.server.runtime.Lanes;
import dev.aeserve.server.runtime.LoadedModels;
import dev.aeserve.server.runtime.RequestLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Devices: one copy and one runner per configured device; GPUs only where the engine sees them. */
class DevicesTest {

  @Test
  void aVersionLoadsOnEveryConfiguredDeviceAndAnswersAlikeOnEach() {
    ServerConfig config = ServerConfig.defaults().withPort(0).withPreload(false).withEngine(EngineKind.PYTORCH)
        .withDevices(List.of(ComputeDevice.CPU, ComputeDevice.CPU));
    try (ServerFixture f = ServerFixture.start(config)) {
      f.register("two-runners", ServerFixture.tinyModel(16, 1));
      float[][] rows = SyntheticData.manifold(3, 16, 2).toArray();
      float[][] first = f.client.encode(ModelSelector.model("two-runners"), rows).latents();
      for (int i = 0; i < 6; i++) {
        assertThat(f.client.encode(ModelSelector.model("two-runners"), rows).latents()).isDeepEqualTo(first);
      }
      String metrics = f.server.metrics().scrape();
      assertThat(metrics).contains("aeserve_batch_rows_count{model=\"two-runners\",rpc=\"encode\",version=\"1\"} 7");
      assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("aeserve-runner-two-runners"))
          .hasSize(2);
    }
  }

  @Test
  void callsSpreadOverTheDevicesAndEachBatchRunsOnItsOwnDevicesRunner() throws Exception {
    // Batches close only when full (6 rows), so two 3-row requests wait on each device until their
    // second request comes: nothing completes before the test has asked who completes it.
    BatchPolicy fullOnly = new BatchPolicy(6, Duration.ofMinutes(10), 64, List.of());
    Admission admission = new Admission(RequestLimits.defaults());
    TrainedModel m = ServerFixture.tinyModel(16, 1);
    try (Database db = TestPostgres.openFreshDatabase(); PostgresModelRegistry registry = new PostgresModelRegistry(db);
        ServingMetrics metrics = new ServingMetrics();
        LoadedModels runtime = new LoadedModels(registry, EngineKind.MXNET, List.of(ComputeDevice.CPU, ComputeDevice.CPU),
            BatchingConfig.of(fullOnly), metrics, Ticker.SYSTEM)) {
      registry.createModel("spread", "ae", "", "test");
      ModelVersion v = registry.createVersion(new NewVersion("spread", m.spec().toJson(), "{}", null, null, m.weights(),
          null), "test");
      List<CompletableFuture<String>> completedOn = new ArrayList<>();
      List<Autoencoder> replicas = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int seed = i;
        completedOn.add(runtime.serve(v, s -> {
          if (replicas.isEmpty()) {
            s.replicas().forEach(r -> replicas.add(r.model()));
          }
          return s.submit(Lanes.ENCODE, admission.inputs(s.spec(), SyntheticData.manifold(3, 16, seed), List.of()),
              Job.NO_DEADLINE, () -> false).thenApply(e -> Thread.currentThread().getName());
        }));
        if (i < 2) {
          assertThat(completedOn.get(i)).as("request " + i + " waits for its batch to fill").isNotDone();
        }
      }
      assertThat(replicas).as("one copy of the model per device").hasSize(2).doesNotHaveDuplicates();
      List<String> runners = new ArrayList<>();
      for (CompletableFuture<String> f : completedOn.subList(0, 2)) {
        runners.add(f.get(60, TimeUnit.SECONDS));
      }
      // Requests 0 and 2 shared device #0's batch, 1 and 3 device #1's: each device's runner ran one.
      assertThat(runners).containsExactly("aeserve-runner-spread:1@cpu#0", "aeserve-runner-spread:1@cpu#1");
      assertThat(metrics.scrape()).contains("aeserve_batch_rows_count{model=\"spread\",rpc=\"encode\",version=\"1\"} 2");
    }
  }

  @Test
  void gpusAreRefusedAtStartWithWhatToChange() {
    assertThatThrownBy(() -> ServerConfig.defaults().withDevices(List.of(ComputeDevice.gpu(0))))
        .hasMessageContaining("--engine pytorch");
    int gpus = Autoencoders.gpuCount(EngineKind.PYTORCH);
    ServerConfig config = ServerConfig.defaults().withPort(0).withEngine(EngineKind.PYTORCH)
        .withDevices(List.of(ComputeDevice.gpu(gpus)));
    assertThatThrownBy(() -> ServerFixture.start(config)).hasMessageContaining("gpu:" + gpus)
        .hasMessageContaining("docs/gpu.md");
    assertThatThrownBy(() -> ComputeDevice.parse("tpu:1")).hasMessageContaining("cpu or gpu:N");
  }
}
