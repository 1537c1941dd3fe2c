package io.tokenpair.client;

/** The request tag of {@link TokenPairAuth#withoutAuth}: no bearer, no refresh. */
enum SkipAuth {
  INSTANCE
}
