package dev.aeserve.registry;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How long the registry waits on its database. {@code connect}: for a pooled connection (and for
 * a new one to open); {@code statement}: for one statement, enforced by Postgres
 * ({@code statement_timeout}) and, should the server stop answering altogether, by the socket.
 * A registry call made inside a {@link RegistryCallScope} waits no longer than the scope allows.
 */
public record DatabaseTimeouts(Duration connect, Duration statement) {

  /** Two seconds to get a connection, thirty for a statement (an upload writes its artifact in one). */
  public static final DatabaseTimeouts DEFAULT = new DatabaseTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(30));

  public DatabaseTimeouts {
    requireNonNull(connect, "connect");
    requireNonNull(statement, "statement");
    if (connect.toMillis() < 250) {
      throw new IllegalArgumentException("the database connect timeout must be at least 250 ms, got "
          + connect.toMillis() + " ms");
    }
    if (statement.toMillis() < 1) {
      throw new IllegalArgumentException("the database statement timeout must be at least 1 ms, got "
          + statement.toMillis() + " ms");
    }
  }

  /** Whole seconds, rounded up, for the JDBC driver's second-granular settings. */
  static int seconds(Duration d) {
    return (int) Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
