package dev.aeserve.registry;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadline and cancellation of the call a registry operation runs for. Registry work started
 * inside {@link #run} waits on the database no longer than the deadline (the connection's network
 * timeout is set to what is left), and {@link #cancel()} cancels the statement running for it, so
 * a caller that gave up leaves no SQL behind.
 *
 * <p>The scope is bound to the thread that runs the work, the way gRPC binds its Context.
 */
public final class RegistryCallScope {

  private static final Logger log = LoggerFactory.getLogger(RegistryCallScope.class);
  private static final ThreadLocal<RegistryCallScope> CURRENT = new ThreadLocal<>();
  private static final Executor DIRECT = Runnable::run;

  private final long deadlineNanos;
  private volatile boolean cancelled;
  private Connection running; // guarded by this

  /** A scope that ends {@code budgetNanos} from now. */
  public RegistryCallScope(long budgetNanos) {
    this.deadlineNanos = System.nanoTime() + budgetNanos;
  }

  /** Runs {@code work} with this scope bound to the current thread. */
  public <T> T run(Supplier<T> work) {
    RegistryCallScope outer = CURRENT.get();
    CURRENT.set(this);
    try {
      return work.get();
    } finally {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }

  /** Cancels the statement running for this scope, if any, and any that would start. */
  public void cancel() {
    Connection c;
    synchronized (this) {
      cancelled = true;
      c = running;
    }
    if (c != null) {
      try {
        c.unwrap(PGConnection.class).cancelQuery();
      } catch (SQLException | RuntimeException e) {
        log.debug("cancelling a registry statement failed", e);
      }
    }
  }

  /** Binds {@code connection} to the current scope, if there is one; returns the scope or null. */
  static RegistryCallScope enter(Connection connection) throws SQLException {
    RegistryCallScope scope = CURRENT.get();
    if (scope == null) {
      return null;
    }
    long left = TimeUnit.NANOSECONDS.toMillis(scope.deadlineNanos - System.nanoTime());
    synchronized (scope) {
      if (scope.cancelled || left <= 0) {
        throw new SQLException("the registry call was cancelled or its deadline passed", "57014");
      }
      scope.running = connection;
    }
    // A statement the database never answers (a hung server) fails when the caller's time is up.
    connection.setNetworkTimeout(DIRECT, (int) Math.min(Integer.MAX_VALUE, left));
    return scope;
  }

  void leave() {
    synchronized (this) {
      running = null;
    }
  }
}
