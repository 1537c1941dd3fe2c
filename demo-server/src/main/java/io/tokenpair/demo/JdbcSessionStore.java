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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * A {@link SessionStore} in a SQL database through plain JDBC: an embedded SQLite file for one
 * machine, or PostgreSQL for several server instances behind a load balancer. Both use one table,
 * {@code tokenpair_session}, created when absent, with one row of fixed size per session and
 * family: its current refresh {@code jti} and generation, and the previous {@code jti} with its
 * rotation time. A database of the earlier schema (which also kept every spent {@code jti} in
 * {@code tokenpair_used_jti}) is migrated in place when the store opens: see {@link #open}.
 *
 * <p>Atomicity does not depend on this process: {@link #rotate} consumes a refresh token with one
 * conditional {@code UPDATE ... WHERE sid = ? AND generation = ? AND current_jti = ? AND revoked =
 * FALSE AND expires_at > ?} and trusts its update count, so of any number of concurrent calls on
 * any number of instances exactly one wins. A loser reads the row once and judges the token with
 * {@link Session}'s rules; reuse is punished with a conditional {@code UPDATE ... SET revoked =
 * TRUE WHERE revoked = FALSE}, whose update count decides which caller reports it.
 *
 * <p>SQLite allows one writer at a time: this store runs in WAL mode with {@code synchronous=FULL},
 * takes the write lock up front ({@code BEGIN IMMEDIATE}), serializes its own writers in process
 * and lets other processes wait on {@code busy_timeout}, so concurrent refreshes queue instead of
 * failing with {@code SQLITE_BUSY}. Every write has one deadline ({@code --store-timeout}, 10 s by
 * default), counted from its call: the wait for this process's turn, for a pooled connection and
 * for SQLite's lock (whose {@code busy_timeout} is set to what is left) all spend it, so the k-th
 * of k queued writes fails by its deadline too, not after k of them. A database that cannot be
 * reached, or a write past its deadline, surfaces as {@link SessionStoreException}. Tokens and
 * passwords are never logged. This class is thread-safe.
 */
public final class JdbcSessionStore implements SessionStore {
  static final String SESSIONS = "tokenpair_session";

  /** The table of spent jtis of the earlier schema; dropped by the migration. */
  static final String LEGACY_USED_JTIS = "tokenpair_used_jti";

  /**
   * The deadline of one write, waits included, unless {@link #open(StoreSpec, Duration)} sets one.
   */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

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
              + " revoked BOOLEAN NOT NULL DEFAULT FALSE,"
              + " generation BIGINT NOT NULL DEFAULT 0)",
          "CREATE INDEX IF NOT EXISTS "
              + SESSIONS
              + "_expires_at ON "
              + SESSIONS
              + " (expires_at)");

  /**
   * From the earlier schema: the generation of each family is the number of jtis it spent (one per
   * rotation), then the table of spent jtis goes.
   */
  private static final List<String> MIGRATE_USED_JTIS =
      List.of(
          "ALTER TABLE " + SESSIONS + " ADD COLUMN generation BIGINT NOT NULL DEFAULT 0",
          "UPDATE "
              + SESSIONS
              + " SET generation = (SELECT COUNT(*) FROM "
              + LEGACY_USED_JTIS
              + " u WHERE u.sid = "
              + SESSIONS
              + ".sid)",
          "DROP TABLE " + LEGACY_USED_JTIS);

  private static final String INSERT_SESSION =
      "INSERT INTO "
          + SESSIONS
          + " (sid, subject, username, expires_at, current_jti, generation, previous_jti,"
          + " rotated_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, FALSE)";

  private static final String SELECT_SESSION =
      "SELECT subject, username, expires_at, current_jti, generation, previous_jti, rotated_at,"
          + " revoked FROM "
          + SESSIONS
          + " WHERE sid = ?";

  /**
   * The only way a refresh token is consumed. Parameters: new jti, now, sid, presented generation,
   * presented jti, now.
   */
  private static final String ROTATE =
      "UPDATE "
          + SESSIONS
          + " SET previous_jti = current_jti, current_jti = ?, generation = generation + 1,"
          + " rotated_at = ?"
          + " WHERE sid = ? AND generation = ? AND current_jti = ? AND revoked = FALSE"
          + " AND expires_at > ?";

  private static final String REVOKE =
      "UPDATE " + SESSIONS + " SET revoked = TRUE WHERE sid = ? AND revoked = FALSE";

  private static final String COUNT_ACTIVE =
      "SELECT COUNT(*) FROM " + SESSIONS + " WHERE revoked = FALSE AND expires_at > ?";

  private static final String PURGE_SESSIONS =
      "DELETE FROM " + SESSIONS + " WHERE revoked = TRUE OR expires_at <= ?";

  /** The SQLState of a wait that reached its deadline. */
  private static final String TIMED_OUT = "HYT00";

  private final ConnectionPool pool;
  private final boolean sqlite;
  private final long timeoutNanos;

  /** SQLite only: one writing transaction of this process at a time; null for PostgreSQL. */
  private final ReentrantLock writeLock;

  private JdbcSessionStore(ConnectionPool pool, boolean sqlite, Duration timeout) {
    this.pool = pool;
    this.sqlite = sqlite;
    this.timeoutNanos = timeout.toNanos();
    this.writeLock = sqlite ? new ReentrantLock(true) : null;
  }

  /**
   * Opens the store {@code spec} names and creates its table when absent. A new SQLite file (and
   * its folders) is created readable by its owner only, where the file system has permissions.
   *
   * <p>A database of the earlier schema ({@code tokenpair_session} without {@code generation}, plus
   * {@code tokenpair_used_jti}) is migrated in one transaction, which concurrent openers wait for:
   * each family gets the number of jtis it spent as its generation, and the table of spent jtis is
   * dropped. Its sessions go on; their refresh tokens, which carry no {@code gen}, are placed by
   * their {@code jti} (see {@link SessionStore#UNKNOWN_GENERATION}). Servers of the earlier version
   * must be stopped first: they cannot use the migrated schema.
   *
   * @throws SessionStoreException when the database cannot be opened
   * @throws IllegalArgumentException for {@link StoreSpec.Kind#MEMORY}
   */
  public static JdbcSessionStore open(StoreSpec spec) {
    return open(spec, DEFAULT_TIMEOUT);
  }

  /**
   * As {@link #open(StoreSpec)}, with {@code timeout} as the deadline of each write (see the class
   * Javadoc) and of each read's wait for a connection.
   *
   * @throws SessionStoreException when the database cannot be opened
   * @throws IllegalArgumentException for {@link StoreSpec.Kind#MEMORY} or a timeout that is not
   *     positive
   */
  public static JdbcSessionStore open(StoreSpec spec, Duration timeout) {
    Objects.requireNonNull(spec, "spec == null");
    Objects.requireNonNull(timeout, "timeout == null");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    var store =
        switch (spec.kind()) {
          case MEMORY -> throw new IllegalArgumentException("The memory store is not JDBC.");
          case SQLITE -> {
            createOwnerOnly(Path.of(spec.location()));
            var config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            config.setBusyTimeout(millis);
            yield new JdbcSessionStore(
                new ConnectionPool(spec.jdbcUrl(), config.toProperties(), 4), true, timeout);
          }
          case POSTGRESQL -> {
            var properties = new Properties(); // the URL's own parameters take precedence
            properties.setProperty("connectTimeout", "5");
            properties.setProperty("socketTimeout", "15"); // a hung database fails the request
            properties.setProperty("ApplicationName", "tokenpair demo-server");
            yield new JdbcSessionStore(
                new ConnectionPool(spec.jdbcUrl(), properties, 8), false, timeout);
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
            c ->
                transaction(
                    c,
                    () -> {
                      try (var statement = c.createStatement()) {
                        for (var sql : SCHEMA) statement.execute(sql);
                        if (!hasGenerationColumn(c)) {
                          if (!sqlite) {
                            // Concurrent openers queue here, and then find the migration done.
                            statement.execute("LOCK TABLE " + SESSIONS + " IN EXCLUSIVE MODE");
                          }
                          if (!hasGenerationColumn(c)) {
                            for (var sql : MIGRATE_USED_JTIS) statement.execute(sql);
                          }
                        }
                      }
                      return null;
                    }));
        return;
      } catch (SessionStoreException e) {
        last = e;
      }
    }
    throw last;
  }

  /** False for a table of the earlier schema, which {@link #MIGRATE_USED_JTIS} migrates. */
  private boolean hasGenerationColumn(Connection c) throws SQLException {
    var sql =
        sqlite
            ? "SELECT 1 FROM pragma_table_info('" + SESSIONS + "') WHERE name = 'generation'"
            : "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                + " AND table_name = '"
                + SESSIONS
                + "' AND column_name = 'generation'";
    try (var statement = c.createStatement();
        var rs = statement.executeQuery(sql)) {
      return rs.next();
    }
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
                        insert.setLong(6, session.generation());
                        insert.setString(7, session.previousJti());
                        setNullableInstant(insert, 8, session.rotatedAt());
                        insert.executeUpdate();
                      } catch (SQLException e) {
                        if (exists(c, session.sid())) return false;
                        throw e;
                      }
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
      String sid,
      String presentedJti,
      long presentedGeneration,
      String newJti,
      Instant now,
      Duration grace) {
    Objects.requireNonNull(presentedJti, "presentedJti == null");
    Objects.requireNonNull(newJti, "newJti == null");
    long t = now.toEpochMilli();
    return write(
        "rotate a refresh token",
        c ->
            transaction(
                c,
                () -> {
                  var generation = presentedGeneration;
                  if (generation == UNKNOWN_GENERATION) {
                    // A token without gen: place it by its jti, then rotate it as usual.
                    var row = load(c, sid);
                    if (row == null || row.revoked()) return new Rotation(Outcome.REJECTED, null);
                    generation = placed(row.session(), presentedJti);
                  }
                  try (var update = c.prepareStatement(ROTATE)) {
                    update.setString(1, newJti);
                    update.setLong(2, t);
                    update.setString(3, sid);
                    update.setLong(4, generation);
                    update.setString(5, presentedJti);
                    update.setLong(6, t);
                    if (update.executeUpdate() == 1) {
                      return new Rotation(Outcome.ROTATED, load(c, sid).session());
                    }
                  }
                  // Not current. Another instance may rotate or revoke in between, but only
                  // forwards: a generation only grows and a revoked row stays revoked, so a token
                  // judged spent here stays spent, and the revoke below needs no other condition.
                  var row = load(c, sid);
                  if (row == null || row.revoked()) return new Rotation(Outcome.REJECTED, null);
                  var s = row.session();
                  return switch (s.judge(presentedJti, presentedGeneration, now, grace)) {
                    case GRACE -> new Rotation(Outcome.GRACE, s);
                    case REUSE_DETECTED ->
                        revoke(c, sid)
                            ? new Rotation(Outcome.REUSE_DETECTED, null)
                            : new Rotation(Outcome.REJECTED, null);
                    // ROTATED cannot be judged of a token the conditional update refused.
                    case ROTATED, REJECTED ->
                        new Rotation(Outcome.REJECTED, s.isExpired(now) ? null : s);
                  };
                }));
  }

  /** The generation of a token without {@code gen} that {@link Session#judge} would place. */
  private static long placed(Session s, String jti) {
    return jti.equals(s.currentJti()) ? s.generation() : UNKNOWN_GENERATION;
  }

  @Override
  public boolean revoke(String sid) {
    return write("revoke a session", c -> revoke(c, sid));
  }

  private static boolean revoke(Connection c, String sid) throws SQLException {
    try (var update = c.prepareStatement(REVOKE)) {
      update.setString(1, sid);
      return update.executeUpdate() == 1;
    }
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

  /** Deletes expired and revoked sessions: what is left is the sessions still active. */
  @Override
  public int purge(Instant now) {
    return write(
        "purge sessions",
        c -> {
          try (var delete = c.prepareStatement(PURGE_SESSIONS)) {
            delete.setLong(1, now.toEpochMilli());
            return delete.executeUpdate();
          }
        });
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
        var session =
            new Session(
                sid,
                rs.getString(1),
                rs.getString(2),
                Instant.ofEpochMilli(rs.getLong(3)),
                rs.getString(4),
                rs.getLong(5),
                rs.getString(6),
                nullableInstant(rs, 7));
        return new Row(session, rs.getBoolean(8));
      }
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
    return call(what, work, System.nanoTime() + timeoutNanos);
  }

  /**
   * Runs a write within one deadline, {@code timeout} from now: the wait for this process's turn
   * (SQLite), for a connection and for the database's lock all count against it, so a write fails
   * by its deadline however many are queued before it.
   */
  private <T> T write(String what, Work<T> work) {
    long deadline = System.nanoTime() + timeoutNanos;
    if (writeLock == null) return call(what, work, deadline);
    try {
      if (!writeLock.tryLock(timeoutNanos, TimeUnit.NANOSECONDS)) {
        throw new SessionStoreException(
            "The session store could not " + what + ".",
            new SQLException("Other writes held the store until the deadline.", TIMED_OUT));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SessionStoreException("The session store could not " + what + ".", e);
    }
    try {
      return call(what, work, deadline);
    } finally {
      writeLock.unlock();
    }
  }

  private <T> T call(String what, Work<T> work, long deadline) {
    try (var lease = pool.borrow(remainingMillis(deadline))) {
      try {
        if (sqlite) {
          // SQLite's own wait for its lock gets what is left of the deadline.
          try (var statement = lease.connection.createStatement()) {
            statement.execute("PRAGMA busy_timeout = " + remainingMillis(deadline));
          }
        }
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

  /** Milliseconds left until {@code deadline}, at least 1; a timed-out wait fails on its own. */
  private static long remainingMillis(long deadline) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
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
