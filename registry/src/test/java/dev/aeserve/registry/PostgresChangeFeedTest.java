package dev.aeserve.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aeserve.registry.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresChangeFeedTest {

  private static final String FEED_THREAD = "aeserve-registry-feed";

  private DataSource dataSource;

  @BeforeEach
  void freshDatabase() {
    dataSource = TestPostgres.freshDatabase();
  }

  @Test
  void subscriberSeesChangesCommittedByAnotherRegistryInstance() throws Exception {
    BlockingQueue<RegistryChange> changes = new LinkedBlockingQueue<>();
    try (PostgresModelRegistry listening = new PostgresModelRegistry(dataSource);
        PostgresModelRegistry writing = new PostgresModelRegistry(dataSource);
        AutoCloseable subscription = listening.subscribe(changes::add)) {
      long start = System.nanoTime();
      writing.createModel("watched", "dense", "", "alice");
      RegistryChange change = changes.poll(60, TimeUnit.SECONDS);
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      // The feed has no other path than NOTIFY, so the change arriving is the verdict; how soon is a
      // figure (printed), not a verdict: on a busy machine the scheduler decides it.
      assertThat(change).isEqualTo(new RegistryChange("watched"));
      System.out.printf("change feed: notified after %d ms%n", elapsedMillis);

      writing.createVersion(new NewVersion("watched", "{}", null, null, null,
          "w".getBytes(StandardCharsets.UTF_8), null), "alice");
      writing.setAlias("watched", "production", 1, "alice");
      assertThat(changes.poll(60, TimeUnit.SECONDS)).isEqualTo(new RegistryChange("watched"));
    }
  }

  @Test
  void failedChangesAreNotAnnounced() throws Exception {
    BlockingQueue<RegistryChange> changes = new LinkedBlockingQueue<>();
    try (PostgresModelRegistry registry = new PostgresModelRegistry(dataSource);
        AutoCloseable subscription = registry.subscribe(changes::add)) {
      registry.createModel("first", "dense", "", "alice");
      assertThat(changes.poll(60, TimeUnit.SECONDS)).isEqualTo(new RegistryChange("first"));
      assertThatThrownBy(() -> registry.createModel("first", "dense", "", "alice"))
          .isInstanceOf(ModelAlreadyExistsException.class);
      registry.createModel("second", "dense", "", "alice");
      // Notifications arrive in commit order, so "second" coming next proves nothing came for the failure.
      assertThat(changes.poll(60, TimeUnit.SECONDS)).isEqualTo(new RegistryChange("second"));
    }
  }

  @Test
  void closedSubscriptionStopsDeliveries() throws Exception {
    BlockingQueue<RegistryChange> stopped = new LinkedBlockingQueue<>();
    BlockingQueue<RegistryChange> still = new LinkedBlockingQueue<>();
    try (PostgresModelRegistry registry = new PostgresModelRegistry(dataSource)) {
      AutoCloseable first = registry.subscribe(stopped::add);
      try (AutoCloseable second = registry.subscribe(still::add)) {
        first.close();
        registry.createModel("after-close", "dense", "", "alice");
        assertThat(still.poll(60, TimeUnit.SECONDS)).isEqualTo(new RegistryChange("after-close"));
        assertThat(stopped).isEmpty();
      }
    }
  }

  @Test
  void reconnectsAfterLosingItsConnectionAndAsksForAFullResync() throws Exception {
    BlockingQueue<RegistryChange> changes = new LinkedBlockingQueue<>();
    try (PostgresModelRegistry registry = new PostgresModelRegistry(dataSource);
        AutoCloseable subscription = registry.subscribe(changes::add)) {
      assertThat(terminateListeningBackends()).isEqualTo(1);

      assertThat(changes.poll(60, TimeUnit.SECONDS)).isEqualTo(RegistryChange.everything());
      registry.createModel("after-reconnect", "dense", "", "alice");
      assertThat(changes.poll(60, TimeUnit.SECONDS)).isEqualTo(new RegistryChange("after-reconnect"));
    }
  }

  @Test
  void closingTheRegistryStopsTheFeedThread() throws Exception {
    long before = feedThreads();
    PostgresModelRegistry registry = new PostgresModelRegistry(dataSource);
    registry.subscribe(change -> {});
    assertThat(feedThreads()).isEqualTo(before + 1);
    registry.close();
    assertThat(feedThreads()).isEqualTo(before);
    assertThatThrownBy(() -> registry.subscribe(change -> {})).isInstanceOf(IllegalStateException.class);
  }

  private int terminateListeningBackends() throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
            + " FROM pg_stat_activity WHERE datname = current_database()"
            + " AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static long feedThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(FEED_THREAD) && t.isAlive())
        .count();
  }
}
