package dev.aeserve.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.DatabaseTimeouts;
import dev.aeserve.registry.EmbeddedDatabase;
import dev.aeserve.registry.NewVersion;
import dev.aeserve.registry.PostgresModelRegistry;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-host {@code --db-url} ({@code targetServerType=primary}) follows a failover: the primary
 * goes away, a standby holding the same data becomes primary at the second address, and the
 * server's pool and change feed find it by themselves. Inference of loaded versions never stops;
 * registry calls answer again from the new primary; an alias moved there (by another writer, so
 * only the change feed can tell this server) is served.
 *
 * <p>The standby is a copy of the stopped primary's data directory, which is what synchronous
 * replication guarantees a promoted standby holds; the embedded Postgres has no replication tools.
 */
class FailoverTest {

  @Test
  void aMultiHostUrlFollowsTheNewPrimary(@TempDir Path dir) throws Exception {
    TrainedModel m = ServerFixture.tinyModel(6, 1);
    int standbyPort = freePort();
    EmbeddedDatabase primary = EmbeddedDatabase.start(dir.resolve("a"));
    String url = "jdbc:postgresql://127.0.0.1:" + primary.port() + ",127.0.0.1:" + standbyPort
        + "/postgres?targetServerType=primary";
    EmbeddedDatabase standby = null;
    try (Database database = Database.open(url, EmbeddedDatabase.USER, null, 4,
            new DatabaseTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        PostgresModelRegistry registry = new PostgresModelRegistry(database)) {
      registry.createModel("steady", "ae", "", "test");
      int v1 = version(registry, m);
      int v2 = version(registry, m);
      registry.setAlias("steady", "production", v1, "test");

      String name = InProcessServerBuilder.generateName();
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      try (AeServer server = AeServer.start(InProcessServerBuilder.forName(name), registry,
              ServerConfig.defaults().withPort(0).withPreload(false));
          AeserveClient client = AeserveClient.forChannel(channel, Duration.ofSeconds(30))) {
        float[][] x = {new float[6]};
        ModelSelector production = ModelSelector.alias("steady", "production");
        assertThat(ServerFixture.onceAvailable(() -> client.encode(production, x)).servedBy().version()).isEqualTo(v1);

        primary.close();
        // Between the primary's end and the standby's promotion the version stays served.
        for (int i = 0; i < 10; i++) {
          assertThat(client.encode(production, x).servedBy().version()).isEqualTo(v1);
        }
        copy(dir.resolve("a"), dir.resolve("b"));
        standby = EmbeddedDatabase.start(dir.resolve("b"), standbyPort);

        assertThat(ServerFixture.onceAvailable(() -> client.getModel("steady")).getVersionsCount())
            .as("registry answers from b")
            .isEqualTo(2);
        try (Database direct = Database.open(standby.jdbcUrl(), EmbeddedDatabase.USER, null);
            PostgresModelRegistry other = new PostgresModelRegistry(direct)) {
          other.setAlias("steady", "production", v2, "another-writer");
        }
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (client.encode(production, x).servedBy().version() != v2) {
          assertThat(System.nanoTime()).as("the alias moved on the new primary is served").isLessThan(until);
          Thread.onSpinWait();
        }
      } finally {
        channel.shutdownNow();
      }
    } finally {
      primary.close();
      if (standby != null) {
        standby.close();
      }
    }
  }

  private static int version(PostgresModelRegistry registry, TrainedModel m) {
    return registry.createVersion(new NewVersion("steady", m.spec().toJson(), m.metrics().toJson(), null, null,
        m.weights(), null), "test").version();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.walk(from.resolve("pgdata"))) {
      files.forEach(f -> {
        try {
          Files.copy(f, to.resolve(from.relativize(f).toString()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
