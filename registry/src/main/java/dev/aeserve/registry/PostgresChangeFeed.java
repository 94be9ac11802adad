package dev.aeserve.registry;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry changes from every process sharing the database, delivered through Postgres
 * {@code LISTEN/NOTIFY} on {@value #CHANNEL}: the payload is the changed model's name.
 *
 * <p>One dedicated connection (never a pooled one: it is held for the feed's life) and one daemon
 * thread, {@code aeserve-registry-feed}, which calls the listeners in order; listeners should be
 * quick. When the connection fails (or a probe after two silent seconds goes unanswered for two
 * more) the feed reconnects, retrying at most a second apart, and then sends
 * {@link RegistryChange#everything()} on every reconnect, since notifications sent meanwhile are
 * lost: listeners reconcile in full.
 */
final class PostgresChangeFeed implements AutoCloseable {

  static final String CHANNEL = "aeserve_registry";

  /** Opens a new physical connection for the feed to own. */
  @FunctionalInterface
  interface ConnectionOpener {
    Connection open() throws SQLException;
  }

  private static final Logger log = LoggerFactory.getLogger(PostgresChangeFeed.class);
  private static final int POLL_MILLIS = 250;
  // getNotifications() alone never notices a silently dropped connection; a query does.
  private static final Duration PROBE_AFTER_SILENCE = Duration.ofSeconds(2);
  // A probe the database does not answer (a hung server) counts as a lost connection.
  private static final int PROBE_TIMEOUT_MILLIS = 2000;
  // Retries at most this far apart, so the feed is back within a second of the database.
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

  private final ConnectionOpener opener;
  private final List<Consumer<RegistryChange>> listeners = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Thread thread;
  private Connection connection; // owned by the feed thread once started

  private PostgresChangeFeed(ConnectionOpener opener, Connection listening) {
    this.opener = opener;
    this.connection = listening;
    this.thread = new Thread(this::run, "aeserve-registry-feed");
    this.thread.setDaemon(true);
  }

  /**
   * Starts listening before returning, so every change committed after this returns is delivered.
   *
   * @throws SQLException when the first connection cannot be opened
   */
  static PostgresChangeFeed start(ConnectionOpener opener) throws SQLException {
    requireNonNull(opener, "opener");
    PostgresChangeFeed feed = new PostgresChangeFeed(opener, listen(opener));
    feed.thread.start();
    return feed;
  }

  /** Sends a change notification inside the caller's transaction: delivered only if it commits. */
  static void publish(Connection c, String model) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
      s.setString(1, CHANNEL);
      s.setString(2, model);
      s.execute();
    }
  }

  /** Calls {@code listener} for each change until the returned handle is closed. */
  AutoCloseable subscribe(Consumer<RegistryChange> listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  int listenerCount() {
    return listeners.size();
  }

  /** Stops the thread (within about one poll interval) and closes the connection. */
  @Override
  public void close() {
    closing.countDown();
    if (Thread.currentThread() == thread) {
      return; // a listener closed us; the loop ends after it returns
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.warn("registry change feed thread did not stop within 5s");
    }
  }

  private boolean closed() {
    return closing.getCount() == 0;
  }

  private void run() {
    Duration backoff = FIRST_BACKOFF;
    long lastHeardNanos = System.nanoTime();
    try {
      while (!closed()) {
        try {
          if (connection == null) {
            connection = listen(opener);
            log.info("registry change feed reconnected; reconciling everything");
            backoff = FIRST_BACKOFF;
            dispatch(RegistryChange.everything());
          }
          PGNotification[] notifications =
              connection.unwrap(PGConnection.class).getNotifications(POLL_MILLIS);
          if (notifications != null && notifications.length > 0) {
            lastHeardNanos = System.nanoTime();
            dispatchAll(notifications);
          } else if (System.nanoTime() - lastHeardNanos > PROBE_AFTER_SILENCE.toNanos()) {
            try (Statement probe = connection.createStatement()) {
              probe.execute("SELECT 1");
            }
            lastHeardNanos = System.nanoTime();
          }
        } catch (SQLException e) {
          if (closed()) {
            break;
          }
          log.warn("registry change feed lost its connection ({}); reconnecting in {} ms",
              e.getMessage(), backoff.toMillis());
          closeQuietly(connection);
          connection = null;
          if (closing.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
            break;
          }
          backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(connection);
      connection = null;
    }
  }

  private void dispatchAll(PGNotification[] notifications) {
    // A burst of changes to one model needs one re-read, not many.
    Set<String> models = new LinkedHashSet<>();
    for (PGNotification notification : notifications) {
      String payload = notification.getParameter();
      models.add(payload == null || payload.isEmpty() ? null : payload);
    }
    for (String model : models) {
      dispatch(model == null ? RegistryChange.everything() : new RegistryChange(model));
    }
  }

  private void dispatch(RegistryChange change) {
    for (Consumer<RegistryChange> listener : listeners) {
      try {
        listener.accept(change);
      } catch (RuntimeException e) {
        log.warn("registry change listener failed on {}", change, e);
      }
    }
  }

  private static Connection listen(ConnectionOpener opener) throws SQLException {
    Connection connection = opener.open();
    try (Statement s = connection.createStatement()) {
      connection.setAutoCommit(true);
      connection.setNetworkTimeout(Runnable::run, PROBE_TIMEOUT_MILLIS);
      s.execute("LISTEN " + CHANNEL);
      return connection;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  private static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      log.debug("closing the registry change feed connection failed", e);
    }
  }
}
