package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.EncodeResult;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.ModelRegistry;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Inference calls run on the transport thread (CallExecutors), so whatever may block must leave
 * it: here a cold load whose artifact read is held by the test. Over one real Netty connection (one
 * event loop serves it), calls to a loaded version are answered while the load is held, so the
 * load does not sit on the event loop; it runs on the server's bounded pool for such work, and the
 * held call is answered once the read is let go.
 */
class ColdLoadTest {

  @Test
  void aHeldColdLoadDoesNotStallCallsToALoadedVersionOnTheSameConnection() throws Exception {
    TrainedModel m = ServerFixture.tinyModel(6, 1);
    CountDownLatch loadStarted = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    AtomicReference<String> loadThread = new AtomicReference<>();
    AtomicReference<String> coldSha = new AtomicReference<>("");
    try (Database database = TestPostgres.openFreshDatabase();
        PostgresModelRegistry real = new PostgresModelRegistry(database)) {
      // The real registry, except that reading the cold version's artifact waits for the test.
      ModelRegistry held = (ModelRegistry) Proxy.newProxyInstance(ModelRegistry.class.getClassLoader(),
          new Class<?>[] {ModelRegistry.class}, (proxy, method, args) -> {
            if (method.getName().equals("loadArtifact") && coldSha.get().equals(args[0])) {
              loadThread.set(Thread.currentThread().getName());
              loadStarted.countDown();
              assertThat(letGo.await(60, TimeUnit.SECONDS)).as("the test let the load go").isTrue();
            }
            try {
              return method.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      real.createModel("warm", "ae", "", "test");
      real.createVersion(new NewVersion("warm", m.spec().toJson(), m.metrics().toJson(), null, null, m.weights(), null),
          "test");
      real.createModel("cold", "ae", "", "test");
      // Different weights, so the cold version's artifact is not the warm one's.
      TrainedModel other = ServerFixture.tinyModel(6, 2);
      coldSha.set(real.createVersion(new NewVersion("cold", other.spec().toJson(), other.metrics().toJson(), null,
          null, other.weights(), null), "test").artifactSha256());

      try (AeServer server = AeServer.start(held, ServerConfig.defaults().withHost("127.0.0.1").withPort(0)
              .withPreload(false).withRegistryCallBudget(Duration.ofSeconds(30)))) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try (AeserveClient client = AeserveClient.forChannel(channel, Duration.ofSeconds(60))) {
          float[][] x = {{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}};
          EncodeResult first = client.encode(ModelSelector.model("warm"), x);

          CompletableFuture<EncodeResult> cold = CompletableFuture.supplyAsync(
              () -> client.encode(ModelSelector.model("cold"), x));
          assertThat(loadStarted.await(60, TimeUnit.SECONDS)).as("the cold load started").isTrue();
          for (int i = 0; i < 20; i++) {
            EncodeResult again = client.withDeadline(Duration.ofSeconds(30)).encode(ModelSelector.model("warm"), x);
            assertThat(again.latents()).isDeepEqualTo(first.latents());
          }
          assertThat(cold).as("the cold call waits for its load").isNotDone();
          assertThat(loadThread.get()).as("the thread that loads").startsWith("aeserve-route-load-");

          letGo.countDown();
          EncodeResult coldAnswer = cold.get(60, TimeUnit.SECONDS);
          assertThat(coldAnswer.servedBy().model()).isEqualTo("cold");
          assertThat(coldAnswer.latents()[0]).hasSize(3);
        } finally {
          letGo.countDown();
          channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
      }
    }
  }
}
