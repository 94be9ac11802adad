package dev.aeserve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.aeserve.autoencoders.TrainedModel;
import dev.aeserve.client.AeserveClient;
import dev.aeserve.client.AeserveException;
import dev.aeserve.client.ModelSelector;
import dev.aeserve.registry.Database;
import dev.aeserve.registry.PostgresModelRegistry;
import dev.aeserve.registry.testing.TestPostgres;
import dev.aeserve.server.SwitchableDataSource.Mode;
import dev.aeserve.server.grpc.StatusMapper;
import dev.aeserve.server.routing.VersionResolver;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registry's database goes away (refused or hung) under a running server: loaded versions keep
 * answering from the last routing state, registry calls fail fast with UNAVAILABLE and a retry
 * hint, and everything is re-read once it is back.
 */
class RegistryOutageTest {

  private Database database;
  private SwitchableDataSource pool;
  private SwitchableDataSource feed;
  private PostgresModelRegistry registry;
  private AeServer server;
  private ManagedChannel channel;
  private AeserveClient client;

  @BeforeEach
  void start() {
    database = TestPostgres.openFreshDatabase();
    pool = new SwitchableDataSource(database.dataSource());
    String url = database.jdbcUrl();
    feed = new SwitchableDataSource(new org.postgresql.ds.PGSimpleDataSource() {
      {
        setURL(url);
        setApplicationName("outage-test-feed");
      }
    });
    registry = new PostgresModelRegistry(pool, feed);
    String name = InProcessServerBuilder.generateName();
    server = AeServer.start(InProcessServerBuilder.forName(name), registry,
        ServerConfig.defaults().withPort(0).withPreload(false));
    channel = InProcessChannelBuilder.forName(name).build();
    client = AeserveClient.forChannel(channel, Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    pool.set(Mode.UP);
    feed.set(Mode.UP);
    client.close();
    channel.shutdownNow();
    server.close();
    registry.close();
    database.close();
  }

  @Test
  void loadedVersionsKeepAnsweringAndRegistryCallsFailFastWhileTheDatabaseIsDownOrHung() {
    TrainedModel m = ServerFixture.tinyModel(6, 1);
    client.createModel("steady", "ae", "");
    int v1 = upload("steady", m);
    client.setAlias("steady", "production", v1);
    float[][] x = {new float[6]};
    // Every route a caller uses is read once while the database is up.
    client.encode(ModelSelector.model("steady"), x);
    client.encode(ModelSelector.alias("steady", "production"), x);
    client.encode(ModelSelector.version("steady", v1), x);

    for (Mode outage : new Mode[] {Mode.DOWN, Mode.HUNG}) {
      pool.set(outage);
      feed.set(outage);
      // The reconciler finds the registry unreachable; the routing state is kept and ages.
      await(Duration.ofSeconds(60), () -> routingAge() > 0, "routing state age above 0 during " + outage);

      for (int i = 0; i < 20; i++) {
        assertEquals(v1, client.encode(ModelSelector.model("steady"), x).servedBy().version(), outage.name());
        assertEquals(v1, client.encode(ModelSelector.alias("steady", "production"), x).servedBy().version());
        assertEquals(v1, client.encode(ModelSelector.version("steady", v1), x).servedBy().version());
      }

      // Registry calls answer UNAVAILABLE, with a retry hint, within the caller's deadline: had the
      // server let the deadline pass, the code would be DEADLINE_EXCEEDED. How long it took is a
      // figure (printed), not a verdict. The server answers a tenth of the time left before the
      // deadline, at most 100 ms (DeadlineBoundRegistry): 1,500 ms gives the full 100 ms for the
      // answer to travel on a busy machine (700 ms left 70), and is still under the 2 s budget.
      long start = System.nanoTime();
      AeserveException e = assertThrows(AeserveException.class,
          () -> client.withDeadline(Duration.ofMillis(1500)).listModels());
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(Status.Code.UNAVAILABLE, e.code(), outage + ": " + e.getMessage());
      System.out.printf("%s: UNAVAILABLE under a 1500 ms deadline after %d ms%n", outage, tookMs);
      io.grpc.Metadata trailers = io.grpc.Status.trailersFromThrowable(e.getCause());
      assertNotNull(trailers == null ? null : trailers.get(StatusMapper.RETRY_PUSHBACK_MS),
          "retry hint on " + e.getMessage());
      // ... or after the server's own 2 s budget when the caller allows longer: UNAVAILABLE, not
      // DEADLINE_EXCEEDED, under a 20 s deadline is that budget ending the call.
      start = System.nanoTime();
      e = assertThrows(AeserveException.class, () -> client.withDeadline(Duration.ofSeconds(20)).getModel("steady"));
      tookMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(Status.Code.UNAVAILABLE, e.code(), e.getMessage());
      System.out.printf("%s: UNAVAILABLE under a 20 s deadline after %d ms (budget 2 s)%n", outage, tookMs);
      // A model never read before cannot be routed: UNAVAILABLE, also fast.
      e = assertThrows(AeserveException.class,
          () -> client.withDeadline(Duration.ofSeconds(20)).encode(ModelSelector.model("never-seen"), x));
      assertEquals(Status.Code.UNAVAILABLE, e.code(), e.getMessage());

      pool.set(Mode.UP);
      feed.set(Mode.UP);
      await(Duration.ofSeconds(60), () -> routingAge() == 0, "routing state confirmed after " + outage);
    }

    // Back up: a moved alias is served again.
    int v2 = upload("steady", m);
    client.setAlias("steady", "production", v2);
    await(Duration.ofSeconds(60),
        () -> client.encode(ModelSelector.alias("steady", "production"), x).servedBy().version() == v2,
        "moved alias served");
  }

  @Test
  void theResolverReconcilesEverythingWhenTheChangeFeedReconnects() throws Exception {
    TrainedModel m = ServerFixture.tinyModel(6, 1);
    client.createModel("feed", "ae", "");
    int v1 = upload("feed", m);
    int v2 = upload("feed", m);
    registry.setAlias("feed", "production", v1, "test");
    awaitFeedCaughtUp();
    // A resolver whose periodic reconcile never comes in this test: only the reconnect can help it.
    try (VersionResolver resolver = new VersionResolver(registry, Duration.ofHours(1))) {
      var production = new dev.aeserve.server.routing.ModelSelector("feed", null, "production", "");
      assertEquals(v1, resolver.resolve(production).version().version());

      feed.set(Mode.DOWN);
      terminateFeedConnections();
      // Moved while the feed is away: its NOTIFY is lost.
      registry.setAlias("feed", "production", v2, "test");
      assertEquals(v1, resolver.resolve(production).version().version(), "the last known state still serves");

      long back = System.nanoTime();
      feed.set(Mode.UP);
      await(Duration.ofSeconds(60), () -> resolver.resolve(production).version().version() == v2,
          "the alias's move seen after the feed reconnects");
      // Only the reconnect can have told it (its reconcile is an hour away), so seeing the move is
      // the verdict; how soon is a figure.
      long ms = (System.nanoTime() - back) / 1_000_000;
      System.out.printf("alias move seen %d ms after the feed came back%n", ms);
    }
  }

  /** Notifications come in commit order: once a fresh change is heard, every earlier one was delivered. */
  private void awaitFeedCaughtUp() throws Exception {
    java.util.concurrent.CountDownLatch heard = new java.util.concurrent.CountDownLatch(1);
    try (AutoCloseable sub = registry.subscribe(c -> {
      if ("barrier".equals(c.model())) {
        heard.countDown();
      }
    })) {
      registry.createModel("barrier", "ae", "", "test");
      assertTrue(heard.await(60, java.util.concurrent.TimeUnit.SECONDS), "the change feed delivered the barrier");
    }
  }

  private void terminateFeedConnections() throws Exception {
    try (Connection c = DriverManager.getConnection(database.jdbcUrl());
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outage-test-feed'");
    }
  }

  private int upload(String model, TrainedModel m) {
    return client.uploadVersion(model, m.spec().toJson(), m.metrics().toJson(), null, m.weights()).getVersion();
  }

  private double routingAge() {
    for (String line : server.metrics().scrape().split("\n")) {
      if (line.startsWith("aeserve_routing_state_age_seconds ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    throw new AssertionError("no aeserve_routing_state_age_seconds in the metrics");
  }

  private static void await(Duration limit, BooleanSupplier condition, String what) {
    long end = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + limit.toMillis() + " ms: " + what);
      }
      try {
        Thread.sleep(20); // a poll interval; the verdict is the condition, the limit a guard against a hang
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
