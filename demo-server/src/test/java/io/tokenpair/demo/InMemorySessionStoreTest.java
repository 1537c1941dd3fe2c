package io.tokenpair.demo;

/** The {@link SessionStore} contract on {@link InMemorySessionStore}. */
class InMemorySessionStoreTest extends SessionStoreContract {
  @Override
  SessionStore openEmptyStore() {
    return new InMemorySessionStore();
  }

  @Override
  int storedRows() {
    return ((InMemorySessionStore) store).storedRows();
  }
}
