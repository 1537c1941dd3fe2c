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
 * failing with {@code SQLITE_BUSY}. A database that cannot be reached surfaces as {@link
 * SessionStoreException}. Tokens and passwords are never logged. This class is thread-safe.
 */
public final class JdbcSessionStore implements SessionStore {
  static final String SESSIONS = "tokenpair_session";

  /** The table of spent jtis of the earlier schema; dropped by the migration. */
  static final String LEGACY_USED_JTIS = "tokenpair_used_jti";

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
