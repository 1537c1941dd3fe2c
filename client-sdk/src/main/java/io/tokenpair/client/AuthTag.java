package io.tokenpair.client;

import org.jspecify.annotations.Nullable;

/**
 * Attached to each replay that {@link TokenPairAuth} makes, with the token it carries (null for
 * none): a replay is never replayed again. First sends carry no tag, so the steady path allocates
 * none; the token a first send carried is read back from its {@code Authorization} header.
 *
 * <p>Immutable. Its {@code toString()} never shows the token, because OkHttp's {@code
 * Request.toString()} prints tags.
 */
final class AuthTag {
  final @Nullable String token;
  final boolean replayed;

  AuthTag(@Nullable String token, boolean replayed) {
    this.token = token;
    this.replayed = replayed;
  }

  @Override
  public String toString() {
    return "TokenPairAuth{bearer="
        + (token != null ? "██" : "none")
        + ", replayed="
        + replayed
        + "}";
  }
}
