package dev.aeserve.registry;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Runs registry work on one pooled connection: reads in autocommit, changes in one transaction.
 * Inside a {@link RegistryCallScope} the work waits no longer than the scope's deadline and is
 * cancelled with it.
 */
final class Transactor {

  /** Work against one connection; domain exceptions pass through, SQL ones are wrapped. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  private final DataSource dataSource;

  Transactor(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  <T> T read(String what, Work<T> work) {
    RegistryCallScope scope = null;
    try (Connection connection = dataSource.getConnection()) {
      scope = RegistryCallScope.enter(connection);
      connection.setAutoCommit(true);
      return work.run(connection);
    } catch (SQLException e) {
      throw storageFailure(what, e);
    } finally {
      if (scope != null) {
        scope.leave();
      }
    }
  }

  /** Commits when {@code work} returns; rolls back everything when it throws anything. */
  <T> T inTransaction(String what, Work<T> work) {
    RegistryCallScope scope = null;
    try (Connection connection = dataSource.getConnection()) {
      scope = RegistryCallScope.enter(connection);
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        rollbackQuietly(connection, e);
        throw e;
      }
      // No autocommit reset here: the pool resets it on return, and a reset on a broken
      // connection would hide the exception that matters.
    } catch (SQLException e) {
      throw storageFailure(what, e);
    } finally {
      if (scope != null) {
        scope.leave();
      }
    }
  }

  private static void rollbackQuietly(Connection connection, Throwable cause) {
    try {
      connection.rollback();
    } catch (SQLException rollbackFailure) {
      cause.addSuppressed(rollbackFailure);
    }
  }

  /** The SQLState of Postgres's disk_full. */
  static final String DISK_FULL = "53100";

  private static RuntimeException storageFailure(String what, SQLException e) {
    if (DISK_FULL.equals(e.getSQLState())) {
      return new RegistryOutOfSpaceException("the registry database is out of disk space and could not " + what
          + "; nothing was written: free space on its volume, then retry (" + e.getMessage() + ")", e);
    }
    return new RegistryStorageException(
        "registry database failed to " + what + " (SQLState " + e.getSQLState() + "): " + e.getMessage(), e);
  }
}
