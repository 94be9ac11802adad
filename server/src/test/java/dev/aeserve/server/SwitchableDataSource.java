package dev.aeserve.server;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source in front of a real one that a test can take down (connections are refused at
 * once, as from a killed Postgres) or hang (a connection request waits until the test brings it
 * back, as on a stopped one).
 */
final class SwitchableDataSource implements DataSource {

  enum Mode { UP, DOWN, HUNG }

  private final DataSource real;
  private volatile Mode mode = Mode.UP;
  private volatile CountDownLatch released = new CountDownLatch(0);

  SwitchableDataSource(DataSource real) {
    this.real = real;
  }

  void set(Mode m) {
    if (m == Mode.HUNG) {
      released = new CountDownLatch(1);
    } else {
      released.countDown();
    }
    mode = m;
  }

  @Override
  public Connection getConnection() throws SQLException {
    check();
    return real.getConnection();
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    check();
    return real.getConnection(user, password);
  }

  private void check() throws SQLException {
    Mode m = mode;
    if (m == Mode.HUNG) {
      try {
        released.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      m = mode;
    }
    if (m != Mode.UP) {
      throw new SQLException("Connection refused (test: database " + m + ")", "08001");
    }
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
