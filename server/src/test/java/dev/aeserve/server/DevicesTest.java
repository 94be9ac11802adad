package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.Autoencoders;
import dev.aeserve.autoencoders.ComputeDevice;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.ModelSelector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Devices: one copy and one runner per configured device; GPUs only where the engine sees them. */
class DevicesTest {

  @Test
  void aVersionLoadsOnEveryConfiguredDeviceAndCallsSpreadOverThem() {
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
