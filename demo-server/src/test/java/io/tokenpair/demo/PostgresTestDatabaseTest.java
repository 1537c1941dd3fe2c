package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** When the PostgreSQL tests skip and when they fail. */
class PostgresTestDatabaseTest {
  /** Nothing listens on port 1 of loopback: the connection is refused at once. */
  private static final StoreSpec UNREACHABLE =
      StoreSpec.postgresql("jdbc:postgresql://127.0.0.1:1/tokenpair?user=u&password=secret");

  @Test
  void anUnreachableDatabaseFailsTheTestUnderCi() {
    assertThatThrownBy(
            () -> PostgresTestDatabase.reachableAndEmpty(UNREACHABLE, Map.of("CI", "true")))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageStartingWith(
            "PostgreSQL tests failed: no server at jdbc:postgresql://127.0.0.1:1/tokenpair?user=u"
                + "&password=██ (")
        .hasMessageEndingWith(
            "). CI=true: the PostgreSQL tests must run. Set TOKENPAIR_TEST_POSTGRES_URL or run"
                + " .ci/start-postgres as root.")
        .hasMessageNotContaining("secret");
  }

  @Test
  void anUnreachableDatabaseSkipsTheTestOutsideCi() {
    for (var env : List.of(Map.<String, String>of(), Map.of("CI", "false"), Map.of("CI", ""))) {
      assertThatThrownBy(() -> PostgresTestDatabase.reachableAndEmpty(UNREACHABLE, env))
          .as("env %s", env)
          .isInstanceOf(TestAbortedException.class)
          .hasMessageStartingWith("PostgreSQL tests skipped: no server at ");
    }
  }

  @Test
  void ciIsOnForTrueAndOneInAnyCase() {
    assertThat(PostgresTestDatabase.underCi(Map.of("CI", "true"))).isTrue();
    assertThat(PostgresTestDatabase.underCi(Map.of("CI", "TRUE"))).isTrue();
    assertThat(PostgresTestDatabase.underCi(Map.of("CI", "1"))).isTrue();
    assertThat(PostgresTestDatabase.underCi(Map.of("CI", "false"))).isFalse();
    assertThat(PostgresTestDatabase.underCi(Map.of("CI", "0"))).isFalse();
    assertThat(PostgresTestDatabase.underCi(Map.of())).isFalse();
  }
}
