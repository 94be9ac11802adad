package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
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

  @Test
  void aPreloadThatFailsFailsTheStartAndLeavesNothingListening() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    try (Database database = TestPostgres.openFreshDatabase();
        PostgresModelRegistry real = new PostgresModelRegistry(database)) {
      // The real registry, except that listing models (the preload's first read) fails.
      ModelRegistry failing = (ModelRegistry) Proxy
          .newProxyInstance(ModelRegistry.class.getClassLoader(),
              new Class<?>[] {ModelRegistry.class}, (proxy, method, args) -> {
                if (method.getName().equals("listModels")) {
                  throw new IllegalStateException("listing failed on purpose");
                }
                try {
                  return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
      ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(port).withPreload(true);
      assertThatThrownBy(() -> AeServer.start(failing, config))
          .hasMessageContaining("listing failed on purpose");
      // The preload ran while the port was bound; the failed start closed it again.
      try (ServerSocket again = new ServerSocket()) {
        again.bind(new InetSocketAddress("127.0.0.1", port));
        assertThat(again.isBound()).isTrue();
      }
    }
  }
}
