package io.tokenpair.client;

import org.jspecify.annotations.Nullable;

/**
 * Attached to every request that {@link TokenPairAuth} authorized: which token it carried (null for
 * none) and whether it is already a replay. A replay is never replayed again: this is the axios
 * design's {@code _retry} flag.
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
