package io.tokenpair.demo;

/**
 * The contract on {@link JdbcSessionStore} with PostgreSQL; skipped when none is reachable (see
 * {@link PostgresTestDatabase}).
 */
class JdbcSessionStorePostgresTest extends JdbcSessionStoreContract {
  private StoreSpec spec;

  @Override
  StoreSpec spec() {
    return spec;
  }

  @Override
  SessionStore openEmptyStore() {
    spec = PostgresTestDatabase.reachableAndEmpty();
    return JdbcSessionStore.open(spec);
  }
}
