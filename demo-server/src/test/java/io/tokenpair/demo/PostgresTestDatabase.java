package io.tokenpair.demo;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL the tests may use: {@code TOKENPAIR_TEST_POSTGRES_URL}, or the one {@code
 * .ci/start-postgres} sets up. When it is not reachable, tests that need it are skipped, with the
 * reason; under CI ({@code CI=true}, which CI services set) they fail instead, so a CI run never
 * passes without them.
 */
final class PostgresTestDatabase {
  static final String DEFAULT_URL =
      "jdbc:postgresql://127.0.0.1:5432/tokenpair?user=tokenpair&password=tokenpair";

  private PostgresTestDatabase() {}

  static StoreSpec spec() {
    var url = System.getenv("TOKENPAIR_TEST_POSTGRES_URL");
    return StoreSpec.postgresql(url == null || url.isBlank() ? DEFAULT_URL : url);
  }

  /** Skips (or, under CI, fails) the calling test unless the database answers; empties it. */
  static StoreSpec reachableAndEmpty() {
    return reachableAndEmpty(spec(), System.getenv());
  }

  /** True when {@code env} says this is a CI run: {@code CI} is {@code true} or {@code 1}. */
  static boolean underCi(Map<String, String> env) {
    var ci = env.getOrDefault("CI", "").strip().toLowerCase(Locale.ROOT);
    return ci.equals("true") || ci.equals("1");
  }

  /** {@link #reachableAndEmpty()} on {@code spec}, deciding by {@code env}. */
  static StoreSpec reachableAndEmpty(StoreSpec spec, Map<String, String> env) {
    DriverManager.setLoginTimeout(3);
    try (var c = DriverManager.getConnection(spec.jdbcUrl());
        var s = c.createStatement()) {
      s.execute(
          "DROP TABLE IF EXISTS "
              + JdbcSessionStore.LEGACY_USED_JTIS
              + ", "
              + JdbcSessionStore.SESSIONS);
    } catch (SQLException e) {
      var hint = "Set TOKENPAIR_TEST_POSTGRES_URL or run .ci/start-postgres as root.";
      var why =
          "no server at " + spec + " (" + StoreSpec.mask(String.valueOf(e.getMessage())) + ")";
      if (underCi(env)) {
        Assertions.fail(
            "PostgreSQL tests failed: "
                + why
                + ". CI=true: the PostgreSQL tests must run. "
                + hint);
      }
      Assumptions.abort("PostgreSQL tests skipped: " + why + ". " + hint);
    }
    return spec;
  }
}
