package io.tokenpair.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small, fixed-size pool of JDBC connections: at most {@code size} are open, idle ones are reused
 * and one its user {@linkplain Lease#discard() discards} (after a failure) is closed instead of
 * returned. Borrowing waits for a free slot as long as its caller allows. This class is
 * thread-safe.
 */
final class ConnectionPool implements AutoCloseable {
  private final String url;
  private final Properties properties;
  private final Semaphore permits;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;

  ConnectionPool(String url, Properties properties, int size) {
    if (size < 1) throw new IllegalArgumentException("size < 1");
    this.url = url;
    this.properties = (Properties) properties.clone();
    this.permits = new Semaphore(size, true);
  }

  /** A borrowed connection, in auto-commit mode; closing the lease gives it back. */
  final class Lease implements AutoCloseable {
    final Connection connection;
    private boolean broken;

    private Lease(Connection connection) {
      this.connection = connection;
    }

    /** Closes the connection instead of returning it: its state is unknown after a failure. */
    void discard() {
      broken = true;
    }

    @Override
    public void close() {
      try {
        if (broken || closed || connection.isClosed()) {
          closeQuietly(connection);
        } else {
          if (!connection.getAutoCommit()) {
            connection.rollback();
            connection.setAutoCommit(true);
          }
          idle.push(connection);
          if (closed && idle.remove(connection)) closeQuietly(connection);
        }
      } catch (SQLException e) {
        closeQuietly(connection);
      } finally {
        permits.release();
      }
    }
  }

  /** A connection, waiting at most {@code timeoutMillis} for a free slot. */
  Lease borrow(long timeoutMillis) throws SQLException {
    if (closed) throw new SQLException("The connection pool is closed.", "08003");
    try {
      if (!permits.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw new SQLException("No database connection free in time.", "08001");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("Interrupted while waiting for a database connection.", "08001", e);
    }
    try {
      var connection = idle.poll();
      if (connection == null) connection = DriverManager.getConnection(url, properties);
      return new Lease(connection);
    } catch (SQLException | RuntimeException e) {
      permits.release();
      throw e;
    }
  }

  /** Closes the idle connections; leased ones are closed when they come back. */
  @Override
  public void close() {
    closed = true;
    Connection c;
    while ((c = idle.poll()) != null) closeQuietly(c);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // nothing left to do with it
    }
  }
}
