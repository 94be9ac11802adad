package dev.aeserve.registry;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Postgres, watched: when its postmaster dies (killed, crashed), it is started again
 * on the same port and data directory, with backoff between failed attempts, and every step is
 * logged. Connection pools and the change feed reconnect to it by themselves.
 *
 * <p>One daemon thread, {@code aeserve-embedded-postgres-watch}, checks the postmaster every
 * {@value #CHECK_MILLIS} ms. Closing stops the watch, then the server.
 */
public final class SupervisedEmbeddedDatabase implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SupervisedEmbeddedDatabase.class);
  private static final long CHECK_MILLIS = 250;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  /**
   * A restart's first wait for the server to answer. The data directory exists, so a start is
   * quick (crash recovery included); a postmaster that dies while it starts would otherwise be
   * waited for the full {@link EmbeddedDatabase#STARTUP_WAIT}. Doubles on each failed attempt, up
   * to that, for a machine too busy to start in time.
   */
  private static final Duration FIRST_STARTUP_WAIT = Duration.ofSeconds(5);

  private final Path directory;
  private final int port;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicInteger restarts = new AtomicInteger();
  private final Thread watch;
  private volatile EmbeddedDatabase current;

  private SupervisedEmbeddedDatabase(Path directory, EmbeddedDatabase first) {
    this.directory = directory;
    this.port = first.port();
    this.current = first;
    this.watch = new Thread(this::watch, "aeserve-embedded-postgres-watch");
    this.watch.setDaemon(true);
  }

  /** Starts the embedded Postgres in {@code directory} on {@code port} (0: a free one) and watches it. */
  public static SupervisedEmbeddedDatabase start(Path directory, int port) {
    requireNonNull(directory, "directory");
    SupervisedEmbeddedDatabase db = new SupervisedEmbeddedDatabase(directory, EmbeddedDatabase.start(directory, port));
    db.watch.start();
    return db;
  }

  public String jdbcUrl() {
    return current.jdbcUrl();
  }

  public int port() {
    return port;
  }

  /** The server running now (a new one after each restart). */
  public EmbeddedDatabase current() {
    return current;
  }

  /** How many times the server was started again after dying. */
  public int restarts() {
    return restarts.get();
  }

  private void watch() {
    try {
      while (!closing.await(CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
        if (!current.running()) {
          restart();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void restart() throws InterruptedException {
    long began = System.nanoTime();
    log.warn("embedded Postgres on port {} is gone; restarting it", port);
    closeQuietly(current);
    Duration backoff = FIRST_BACKOFF;
    Duration startupWait = FIRST_STARTUP_WAIT;
    for (int attempt = 1; closing.getCount() > 0; attempt++) {
      try {
        current = EmbeddedDatabase.start(directory, port, startupWait);
        restarts.incrementAndGet();
        log.warn("embedded Postgres restarted on port {} after {} attempt(s) in {} ms", port, attempt,
            (System.nanoTime() - began) / 1_000_000);
        return;
      } catch (RuntimeException e) {
        log.warn("restarting the embedded Postgres failed (attempt {}): {}; next attempt in {} ms", attempt,
            e.getMessage(), backoff.toMillis());
      }
      if (closing.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      startupWait = startupWait.multipliedBy(2).compareTo(EmbeddedDatabase.STARTUP_WAIT) > 0
          ? EmbeddedDatabase.STARTUP_WAIT : startupWait.multipliedBy(2);
    }
  }

  private static void closeQuietly(EmbeddedDatabase db) {
    try {
      db.close();
    } catch (RuntimeException e) {
      log.debug("closing the dead embedded Postgres failed", e);
    }
  }

  @Override
  public void close() {
    closing.countDown();
    try {
      watch.join(TimeUnit.SECONDS.toMillis(70));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    current.close();
  }
}
