package io.tokenpair.client;

/**
 * Attached to each replay that {@link TokenPairAuth} makes: a replay is never replayed again. First
 * sends carry no tag, so the steady path allocates none; the token a first send carried is read
 * back from its {@code Authorization} header.
 *
 * <p>Immutable; one instance. Its {@code toString()} shows no token, because OkHttp's {@code
 * Request.toString()} prints tags.
 */
final class AuthTag {
  static final AuthTag REPLAY = new AuthTag();

  private AuthTag() {}

  @Override
  public String toString() {
    return "TokenPairAuth{replayed=true}";
  }
}
