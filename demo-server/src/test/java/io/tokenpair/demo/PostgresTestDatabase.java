package io.tokenpair.demo;

import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL the tests may use: {@code TOKENPAIR_TEST_POSTGRES_URL}, or the one {@code
 * .ci/start-postgres} sets up. Tests that need it are skipped, with the reason, when it is not
 * reachable.
 */
final class PostgresTestDatabase {
  static final String DEFAULT_URL =
      "jdbc:postgresql://127.0.0.1:5432/tokenpair?user=tokenpair&password=tokenpair";

  private PostgresTestDatabase() {}

  static StoreSpec spec() {
    var url = System.getenv("TOKENPAIR_TEST_POSTGRES_URL");
    return StoreSpec.postgresql(url == null || url.isBlank() ? DEFAULT_URL : url);
  }

  /** Skips the calling test unless the database answers; then empties the store's tables. */
  static StoreSpec reachableAndEmpty() {
    var spec = spec();
    DriverManager.setLoginTimeout(3);
    try (var c = DriverManager.getConnection(spec.jdbcUrl());
        var s = c.createStatement()) {
      s.execute(
          "DROP TABLE IF EXISTS "
              + JdbcSessionStore.LEGACY_USED_JTIS
              + ", "
              + JdbcSessionStore.SESSIONS);
    } catch (SQLException e) {
      Assumptions.abort(
          "PostgreSQL tests skipped: no server at "
              + spec
              + " ("
              + e.getMessage()
              + "). Set TOKENPAIR_TEST_POSTGRES_URL or run .ci/start-postgres as root.");
    }
    return spec;
  }
}
