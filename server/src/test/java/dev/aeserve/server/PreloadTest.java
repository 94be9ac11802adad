package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A server started with preload on a registry that already holds models: when it reports SERVING,
 * every routed version (each model's latest and its aliased versions) is loaded, on more models
 * than the preload has threads, and nothing that no route reaches is; each model's health entry
 * says SERVING, and a preloaded version answers at once.
 */
class PreloadTest {

  private static final int WIDTH = 16;

  @ParameterizedTest
  @EnumSource(value = EngineKind.class, names = {"MXNET", "PYTORCH"})
  void everyRoutedVersionIsLoadedBeforeServingAndNothingElse(EngineKind engine) throws Exception {
    TrainedModel m = ServerFixture.tinyModel(WIDTH, 1);
    int models = 3 * Preload.THREADS;
    try (ServerFixture f = ServerFixture.start()) {
      Set<String> routed = new HashSet<>();
      for (int i = 0; i < models; i++) {
        f.register("tenant-" + i, m);
        routed.add("tenant-" + i + ":1");
      }
      // Three versions, the alias on the first: versions 1 (aliased) and 3 (latest) are routed, 2 is not.
      for (int v = 0; v < 3; v++) {
        f.register("aliased", m);
      }
      f.client.setAlias("aliased", "production", 1);
      routed.add("aliased:1");
      routed.add("aliased:3");

      String name = InProcessServerBuilder.generateName();
      ServerConfig config = ServerConfig.defaults().withPort(0).withEngine(engine).withPreload(true)
          .withRegistryCallBudget(Duration.ofSeconds(30));
      try (AeServer preloaded = AeServer.start(InProcessServerBuilder.forName(name).directExecutor(), f.registry,
          config)) {
        // start() returns once SERVING: the loads are done by then, not on their way.
        assertThat(preloaded.loadedVersions()).containsExactlyInAnyOrderElementsOf(routed);
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try (AeserveClient client = AeserveClient.forChannel(channel, Duration.ofSeconds(60))) {
          var health = HealthGrpc.newBlockingStub(channel);
          for (int i = 0; i < models; i++) {
            assertThat(health.check(HealthCheckRequest.newBuilder().setService("tenant-" + i).build()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
          }
          assertThat(health.check(HealthCheckRequest.newBuilder().setService("aliased").build()).getStatus())
              .isEqualTo(ServingStatus.SERVING);
          float[][] rows = SyntheticData.manifold(2, WIDTH, 3).toArray();
          assertThat(client.encode(ModelSelector.model("tenant-0"), rows).latents()).hasNumberOfRows(2);
          assertThat(preloaded.loadedVersions()).containsExactlyInAnyOrderElementsOf(routed);
        } finally {
          channel.shutdownNow();
        }
      }
    }
  }
}
