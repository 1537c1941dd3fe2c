package io.tokenpair.demo;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * A {@link SessionStore} in a SQL database through plain JDBC: an embedded SQLite file for one
 * machine, or PostgreSQL for several server instances behind a load balancer. Both use the same two
 * tables, created when absent: {@code tokenpair_session} (one row per session and family) and
 * {@code tokenpair_used_jti} (the consumed refresh {@code jti}s of each family).
 *
 * <p>Atomicity does not depend on this process: {@link #rotate} consumes a {@code jti} with one
 * conditional {@code UPDATE ... WHERE sid = ? AND current_jti = ? AND revoked = FALSE AND
 * expires_at > ?} and trusts its update count, so of any number of concurrent calls on any number
 * of instances exactly one wins. Reuse is decided and punished by one conditional {@code UPDATE}
 * too, from the same row (the grace window reads {@code previous_jti} and {@code rotated_at}).
 *
 * <p>SQLite allows one writer at a time: this store runs in WAL mode with {@code synchronous=FULL},
 * takes the write lock up front ({@code BEGIN IMMEDIATE}), serializes its own writers in process
 * and lets other processes wait on {@code busy_timeout}, so concurrent refreshes queue instead of
 * failing with {@code SQLITE_BUSY}. A database that cannot be reached surfaces as {@link
 * SessionStoreException}. Tokens and passwords are never logged. This class is thread-safe.
 */
public final class JdbcSessionStore implements SessionStore {
  static final String SESSIONS = "tokenpair_session";
  static final String USED_JTIS = "tokenpair_used_jti";

  /** How long a writer waits for SQLite's lock, and a caller for a pooled connection. */
  static final int LOCK_TIMEOUT_MILLIS = 10_000;

  private static final List<String> SCHEMA =
      List.of(
          "CREATE TABLE IF NOT EXISTS "
              + SESSIONS
              + " (sid VARCHAR(255) NOT NULL PRIMARY KEY,"
              + " subject VARCHAR(255) NOT NULL,"
              + " username VARCHAR(255) NOT NULL,"
              + " expires_at BIGINT NOT NULL,"
              + " current_jti VARCHAR(255) NOT NULL,"
              + " previous_jti VARCHAR(255),"
              + " rotated_at BIGINT,"
              + " revoked BOOLEAN NOT NULL DEFAULT FALSE)",
          "CREATE INDEX IF NOT EXISTS " + SESSIONS + "_expires_at ON " + SESSIONS + " (expires_at)",
          "CREATE TABLE IF NOT EXISTS "
              + USED_JTIS
              + " (sid VARCHAR(255) NOT NULL,"
              + " jti VARCHAR(255) NOT NULL,"
              + " used_at BIGINT NOT NULL,"
              + " PRIMARY KEY (sid, jti))");

  private static final String INSERT_SESSION =
      "INSERT INTO "
          + SESSIONS
          + " (sid, subject, username, expires_at, current_jti, previous_jti, rotated_at, revoked)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, FALSE)";

  private static final String INSERT_USED =
      "INSERT INTO " + USED_JTIS + " (sid, jti, used_at) VALUES (?, ?, ?)";

  /** The session row and its used jtis; one row per used jti, or one with a null jti. */
  private static final String SELECT_SESSION =
      "SELECT s.subject, s.username, s.expires_at, s.current_jti, s.previous_jti, s.rotated_at,"
          + " s.revoked, u.jti FROM "
          + SESSIONS
          + " s LEFT JOIN "
          + USED_JTIS
          + " u ON u.sid = s.sid WHERE s.sid = ?";

  /** The only way a jti is consumed. Parameters: new, presented, now, sid, presented, now. */
  private static final String ROTATE =
      "UPDATE "
          + SESSIONS
          + " SET current_jti = ?, previous_jti = ?, rotated_at = ?"
          + " WHERE sid = ? AND current_jti = ? AND revoked = FALSE AND expires_at > ?";

  /**
   * Revokes the family when the presented jti was used and is not a retry within the grace window.
   * Parameters: sid, now, presented (current), presented (previous), sid, presented (used),
   * presented (grace), earliest rotation still in grace.
   */
  private static final String REVOKE_REUSED =
      "UPDATE "
          + SESSIONS
          + " SET revoked = TRUE"
          + " WHERE sid = ? AND revoked = FALSE AND expires_at > ? AND current_jti <> ?"
          + " AND (previous_jti = ? OR EXISTS (SELECT 1 FROM "
          + USED_JTIS
          + " u WHERE u.sid = ? AND u.jti = ?))"
          + " AND (previous_jti IS NULL OR previous_jti <> ? OR rotated_at < ?)";

  private static final String REVOKE =
      "UPDATE " + SESSIONS + " SET revoked = TRUE WHERE sid = ? AND revoked = FALSE";

  private static final String COUNT_ACTIVE =
      "SELECT COUNT(*) FROM " + SESSIONS + " WHERE revoked = FALSE AND expires_at > ?";

  private static final String PURGE_SESSIONS =
      "DELETE FROM " + SESSIONS + " WHERE revoked = TRUE OR expires_at <= ?";

  private static final String PURGE_USED_JTIS =
      "DELETE FROM "
          + USED_JTIS
          + " WHERE NOT EXISTS (SELECT 1 FROM "
          + SESSIONS
          + " s WHERE s.sid = "
          + USED_JTIS
          + ".sid)";

  private final ConnectionPool pool;
  private final boolean sqlite;

  /** SQLite only: one writing transaction of this process at a time; null for PostgreSQL. */
  private final ReentrantLock writeLock;

  private JdbcSessionStore(ConnectionPool pool, boolean sqlite) {
    this.pool = pool;
    this.sqlite = sqlite;
    this.writeLock = sqlite ? new ReentrantLock(true) : null;
  }

  /**
   * Opens the store {@code spec} names and creates its tables when absent. A new SQLite file (and
   * its folders) is created readable by its owner only, where the file system has permissions.
   *
   * @throws SessionStoreException when the database cannot be opened
   * @throws IllegalArgumentException for {@link StoreSpec.Kind#MEMORY}
   */
  public static JdbcSessionStore open(StoreSpec spec) {
    Objects.requireNonNull(spec, "spec == null");
    var store =
        switch (spec.kind()) {
          case MEMORY -> throw new IllegalArgumentException("The memory store is not JDBC.");
          case SQLITE -> {
            createOwnerOnly(Path.of(spec.location()));
            var config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            config.setBusyTimeout(LOCK_TIMEOUT_MILLIS);
            yield new JdbcSessionStore(
                new ConnectionPool(spec.jdbcUrl(), config.toProperties(), 4, LOCK_TIMEOUT_MILLIS),
                true);
          }
          case POSTGRESQL -> {
            var properties = new Properties(); // the URL's own parameters take precedence
            properties.setProperty("connectTimeout", "5");
            properties.setProperty("socketTimeout", "15"); // a hung database fails the request
            properties.setProperty("ApplicationName", "tokenpair demo-server");
            yield new JdbcSessionStore(
                new ConnectionPool(spec.jdbcUrl(), properties, 8, LOCK_TIMEOUT_MILLIS), false);
          }
        };
    try {
      store.createSchema();
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static void createOwnerOnly(Path file) {
    try {
      var parent = file.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      if (Files.exists(file)) return;
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      // another instance created it first
    } catch (IOException e) {
      throw new SessionStoreException("Cannot create the SQLite file " + file + ".", e);
    }
  }

  private void createSchema() {
    // Two instances starting at once may race on CREATE ... IF NOT EXISTS in PostgreSQL.
    SessionStoreException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        write(
            "create its tables",
            c -> {
              try (var statement = c.createStatement()) {
                for (var sql : SCHEMA) statement.execute(sql);
              }
              return null;
            });
        return;
      } catch (SessionStoreException e) {
        last = e;
      }
    }
    throw last;
  }

  @Override
  public void create(Session session) {
    Objects.requireNonNull(session, "session == null");
    boolean created =
        write(
            "create a session",
            c ->
                transaction(
                    c,
                    () -> {
                      try (var insert = c.prepareStatement(INSERT_SESSION)) {
                        insert.setString(1, session.sid());
                        insert.setString(2, session.subject());
                        insert.setString(3, session.username());
                        insert.setLong(4, session.expiresAt().toEpochMilli());
                        insert.setString(5, session.currentJti());
                        insert.setString(6, session.previousJti());
                        setNullableInstant(insert, 7, session.rotatedAt());
                        insert.executeUpdate();
                      } catch (SQLException e) {
                        if (exists(c, session.sid())) return false;
                        throw e;
                      }
                      long usedAt =
                          (session.rotatedAt() != null ? session.rotatedAt() : Instant.EPOCH)
                              .toEpochMilli();
                      for (var jti : session.usedJtis()) insertUsed(c, session.sid(), jti, usedAt);
                      return true;
                    }));
    if (!created) throw new IllegalStateException("Session id already exists.");
  }

  private boolean exists(Connection c, String sid) throws SQLException {
    if (!sqlite) {
      // PostgreSQL refuses every statement in a failed transaction: start over.
      c.rollback();
    }
    try (var select = c.prepareStatement("SELECT 1 FROM " + SESSIONS + " WHERE sid = ?")) {
      select.setString(1, sid);
      try (var rs = select.executeQuery()) {
        return rs.next();
      }
    }
  }

  @Override
  public Optional<Session> findActive(String sid, Instant now) {
    var row = read("find a session", c -> load(c, sid));
    if (row == null || row.revoked() || row.session().isExpired(now)) return Optional.empty();
    return Optional.of(row.session());
  }

  @Override
  public Rotation rotate(
      String sid, String presentedJti, String newJti, Instant now, Duration grace) {
    Objects.requireNonNull(presentedJti, "presentedJti == null");
    Objects.requireNonNull(newJti, "newJti == null");
    long t = now.toEpochMilli();
    // A rotation at or after this instant is still within the window; none is when it is zero.
    long graceFrom = grace.isZero() ? Long.MAX_VALUE : now.minus(grace).toEpochMilli();
    return write(
        "rotate a refresh token",
        c ->
            transaction(
                c,
                () -> {
                  try (var update = c.prepareStatement(ROTATE)) {
                    update.setString(1, newJti);
                    update.setString(2, presentedJti);
                    update.setLong(3, t);
                    update.setString(4, sid);
                    update.setString(5, presentedJti);
                    update.setLong(6, t);
                    if (update.executeUpdate() == 1) {
                      insertUsed(c, sid, presentedJti, t);
                      return new Rotation(Outcome.ROTATED, load(c, sid).session());
                    }
                  }
                  // Not current. Another instance may rotate in between: the classification
                  // below reads one row, and goes back to the conditional revoke if the row
                  // moved on under it (never more than a few times: jtis only ever get used).
                  for (int attempt = 0; ; attempt++) {
                    if (revokeReused(c, sid, presentedJti, t, graceFrom) == 1) {
                      return new Rotation(Outcome.REUSE_DETECTED, null);
                    }
                    var row = load(c, sid);
                    if (row == null || row.revoked() || row.session().isExpired(now)) {
                      return new Rotation(Outcome.REJECTED, null);
                    }
                    var s = row.session();
                    var used =
                        presentedJti.equals(s.previousJti()) || s.usedJtis().contains(presentedJti);
                    if (!used) return new Rotation(Outcome.REJECTED, s);
                    var retry =
                        presentedJti.equals(s.previousJti())
                            && s.rotatedAt() != null
                            && s.rotatedAt().toEpochMilli() >= graceFrom;
                    if (retry) return new Rotation(Outcome.GRACE, s);
                    if (attempt == 3) return new Rotation(Outcome.REJECTED, s);
                  }
                }));
  }

  private static int revokeReused(
      Connection c, String sid, String presentedJti, long now, long graceFrom) throws SQLException {
    try (var update = c.prepareStatement(REVOKE_REUSED)) {
      update.setString(1, sid);
      update.setLong(2, now);
      update.setString(3, presentedJti);
      update.setString(4, presentedJti);
      update.setString(5, sid);
      update.setString(6, presentedJti);
      update.setString(7, presentedJti);
      update.setLong(8, graceFrom);
      return update.executeUpdate();
    }
  }

  @Override
  public boolean revoke(String sid) {
    return write(
        "revoke a session",
        c -> {
          try (var update = c.prepareStatement(REVOKE)) {
            update.setString(1, sid);
            return update.executeUpdate() == 1;
          }
        });
  }

  @Override
  public int activeCount(Instant now) {
    return read(
        "count sessions",
        c -> {
          try (var select = c.prepareStatement(COUNT_ACTIVE)) {
            select.setLong(1, now.toEpochMilli());
            try (var rs = select.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  /**
   * Deletes expired and revoked sessions, then the used jtis of every family that is gone: what is
   * left is bounded by the sessions still active.
   */
  @Override
  public int purge(Instant now) {
    return write(
        "purge sessions",
        c ->
            transaction(
                c,
                () -> {
                  int sessions;
                  try (var delete = c.prepareStatement(PURGE_SESSIONS)) {
                    delete.setLong(1, now.toEpochMilli());
                    sessions = delete.executeUpdate();
                  }
                  try (var delete = c.prepareStatement(PURGE_USED_JTIS)) {
                    delete.executeUpdate();
                  }
                  return sessions;
                }));
  }

  /** Closes the pooled connections. */
  @Override
  public void close() {
    pool.close();
  }

  private record Row(Session session, boolean revoked) {}

  private static Row load(Connection c, String sid) throws SQLException {
    try (var select = c.prepareStatement(SELECT_SESSION)) {
      select.setString(1, sid);
      try (var rs = select.executeQuery()) {
        if (!rs.next()) return null;
        var subject = rs.getString(1);
        var username = rs.getString(2);
        var expiresAt = Instant.ofEpochMilli(rs.getLong(3));
        var currentJti = rs.getString(4);
        var previousJti = rs.getString(5);
        var rotatedAt = nullableInstant(rs, 6);
        var revoked = rs.getBoolean(7);
        var used = new HashSet<String>();
        do {
          var jti = rs.getString(8);
          if (jti != null) used.add(jti);
        } while (rs.next());
        return new Row(
            new Session(
                sid, subject, username, expiresAt, currentJti, previousJti, rotatedAt, used),
            revoked);
      }
    }
  }

  private static void insertUsed(Connection c, String sid, String jti, long usedAt)
      throws SQLException {
    try (var insert = c.prepareStatement(INSERT_USED)) {
      insert.setString(1, sid);
      insert.setString(2, jti);
      insert.setLong(3, usedAt);
      insert.executeUpdate();
    }
  }

  private static Instant nullableInstant(ResultSet rs, int column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  private static void setNullableInstant(PreparedStatement ps, int index, Instant value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, java.sql.Types.BIGINT);
    } else {
      ps.setLong(index, value.toEpochMilli());
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  private interface Body<T> {
    T run() throws SQLException;
  }

  private <T> T read(String what, Work<T> work) {
    return call(what, work);
  }

  private <T> T write(String what, Work<T> work) {
    if (writeLock == null) return call(what, work);
    writeLock.lock();
    try {
      return call(what, work);
    } finally {
      writeLock.unlock();
    }
  }

  private <T> T call(String what, Work<T> work) {
    try (var lease = pool.borrow()) {
      try {
        return work.run(lease.connection);
      } catch (SQLException | RuntimeException e) {
        // Rare, and the connection's state is then unknown (a transaction left open, a lost
        // server): open a fresh one next time.
        lease.discard();
        throw e;
      }
    } catch (SQLException e) {
      throw new SessionStoreException("The session store could not " + what + ".", e);
    }
  }

  /**
   * Runs {@code body} in one transaction. SQLite: {@code BEGIN IMMEDIATE}, which takes the write
   * lock first (waiting on {@code busy_timeout}), so a transaction never fails half-way with {@code
   * SQLITE_BUSY}. PostgreSQL: read committed, where the conditional updates lock their row.
   */
  private <T> T transaction(Connection c, Body<T> body) throws SQLException {
    if (sqlite) {
      try (var statement = c.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
      }
    } else {
      c.setAutoCommit(false);
    }
    try {
      T result = body.run();
      if (sqlite) {
        try (var statement = c.createStatement()) {
          statement.execute("COMMIT");
        }
      } else {
        c.commit();
        c.setAutoCommit(true);
      }
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        rollback(c);
      } catch (SQLException rollbackFailed) {
        e.addSuppressed(rollbackFailed);
      }
      throw e;
    }
  }

  private void rollback(Connection c) throws SQLException {
    if (sqlite) {
      try (var statement = c.createStatement()) {
        statement.execute("ROLLBACK");
      }
    } else {
      c.rollback();
      c.setAutoCommit(true);
    }
  }
}
