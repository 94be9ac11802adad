package dev.aeserve.server;

import dev.aeserve.autoencoders.AutoencoderSpec;
import dev.aeserve.autoencoders.AutoencoderTrainer;
import dev.aeserve.autoencoders.EngineKind;
import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.autoencoders.TrainingConfig;
import dev.aeserve.autoencoders.data.SyntheticData;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real server for tests: a fresh database on the shared embedded Postgres, the registry over it,
 * and an in-process gRPC server and channel. Models are tiny and trained for real, once per JVM.
 */
final class ServerFixture implements AutoCloseable {

  private static final Map<String, TrainedModel> TRAINED = new ConcurrentHashMap<>();

  final Database database;
  final PostgresModelRegistry registry;
  final AeServer server;
  final ManagedChannel channel;
  final AeserveClient client;

  private ServerFixture(ServerConfig config) {
    database = TestPostgres.openFreshDatabase();
    registry = new PostgresModelRegistry(database);
    String name = InProcessServerBuilder.generateName();
    try {
      server = AeServer.start(InProcessServerBuilder.forName(name).directExecutor(), registry, config);
    } catch (RuntimeException e) {
      registry.close();
      database.close();
      throw e;
    }
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    client = AeserveClient.forChannel(channel, Duration.ofSeconds(60));
  }

  static ServerFixture start() {
    // A registry budget far above what these tests need: the 1.8 s default is the promise to callers
    // while the database is down, which RegistryOutageTest and RegistryHangTest check; here a busy
    // machine's slow createModel must not turn into UNAVAILABLE (seen under a load average of 20).
    return start(ServerConfig.defaults().withPort(0).withMaxRowsPerRequest(64).withPreload(false)
        .withRegistryCallBudget(Duration.ofSeconds(30)));
  }

  static ServerFixture start(ServerConfig config) {
    return new ServerFixture(config);
  }

  /** A dense ae trained for a few epochs on generated data of the given width. */
  static TrainedModel tinyModel(int width, long seed) {
    return TRAINED.computeIfAbsent(width + "/" + seed, k -> {
      AutoencoderSpec spec = AutoencoderSpec.dense(width, List.of(12), 3, "sigmoid", "mse");
      TrainingConfig config = new TrainingConfig(5, 32, 1e-2f, 0.2, seed, EngineKind.MXNET);
      return new AutoencoderTrainer(config).train(spec, SyntheticData.manifold(400, width, seed));
    });
  }

  /** Creates the model if needed and uploads {@code trained} as its next version; returns the version. */
  int register(String model, TrainedModel trained) {
    return register(model, trained, null);
  }

  int register(String model, TrainedModel trained, String calibrationJson) {
    if (client.listModels().stream().noneMatch(m -> m.getName().equals(model))) {
      client.createModel(model, "ae", "test model");
    }
    return client.uploadVersion(model, trained.spec().toJson(), trained.metrics().toJson(), calibrationJson,
        trained.weights()).getVersion();
  }

  /**
   * Opens an upload stream on this server's channel; {@code result} completes with the version
   * created, or with the call's error.
   */
  io.grpc.stub.StreamObserver<dev.aeserve.proto.v1.UploadVersionRequest> openUpload(
      java.util.concurrent.CompletableFuture<dev.aeserve.proto.v1.VersionInfo> result, Duration deadline) {
    return dev.aeserve.proto.v1.ModelRegistryGrpc.newStub(channel)
        .withDeadlineAfter(deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .uploadVersion(new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(dev.aeserve.proto.v1.VersionInfo v) {
            result.complete(v);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
  }

  @Override
  public void close() {
    client.close();
    channel.shutdownNow();
    server.close();
    registry.close();
    database.close();
  }

  /**
   * The call's answer once it stops failing with UNAVAILABLE (a registry coming back, a version
   * loading), within a minute; any other failure fails the test at once.
   */
  static <T> T onceAvailable(java.util.function.Supplier<T> call) {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        return call.get();
      } catch (dev.aeserve.client.AeserveException e) {
        org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
        org.assertj.core.api.Assertions.assertThat(System.nanoTime()).as("answered within a minute: " + e.getMessage())
            .isLessThan(until);
      }
    }
  }
}
