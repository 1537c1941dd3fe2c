package io.tokenpair.client;

/**
 * What {@link TokenPairAuth} attaches to a request: to each replay, that it is one (a replay is
 * never replayed again); to a first send that went without a token, the session epoch it was sent
 * in. First sends with a token carry no tag, so the steady path allocates none: the token they
 * carried, read back from the {@code Authorization} header, tells their session.
 *
 * <p>Immutable. Its {@code toString()} shows no token, because OkHttp's {@code Request.toString()}
 * prints tags.
 */
final class AuthTag {
  static final AuthTag REPLAY = new AuthTag(true, 0);

  /** Whether the request is a replay. */
  final boolean replayed;

  /** For a first send without a token: the session epoch it was sent in. */
  final int sessionEpoch;

  private AuthTag(boolean replayed, int sessionEpoch) {
    this.replayed = replayed;
    this.sessionEpoch = sessionEpoch;
  }

  /** The tag of a first send that carried no token, in session epoch {@code sessionEpoch}. */
  static AuthTag unsigned(int sessionEpoch) {
    return new AuthTag(false, sessionEpoch);
  }

  @Override
  public String toString() {
    return "TokenPairAuth{replayed=" + replayed + "}";
  }
}
