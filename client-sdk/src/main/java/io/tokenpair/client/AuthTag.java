package io.tokenpair.client;

/**
 * What {@link TokenPairAuth} attaches to a request: to each replay, that it is one (a replay is
 * never replayed again); to a send that answered a DPoP nonce challenge, that it did (each send
 * answers one, the replay's own included, and it is not the request's replay); to a first send that
 * went without a token, the session epoch it was sent in. First sends with a token carry no tag, so
 * the steady path allocates none: the token they carried, read back from the {@code Authorization}
 * header, tells their session.
 *
 * <p>Immutable. Its {@code toString()} shows no token, because OkHttp's {@code Request.toString()}
 * prints tags.
 */
final class AuthTag {
  static final AuthTag REPLAY = new AuthTag(true, false, 0);

  /** A first send, sent again for a DPoP nonce challenge. */
  static final AuthTag NONCE_RETRY = new AuthTag(false, true, 0);

  /** A replay, sent again for a DPoP nonce challenge. */
  static final AuthTag REPLAY_NONCE_RETRY = new AuthTag(true, true, 0);

  /** Whether the request is a replay. */
  final boolean replayed;

  /** Whether the request answered a DPoP nonce challenge. */
  final boolean nonceRetried;

  /** For a first send without a token: the session epoch it was sent in. */
  final int sessionEpoch;

  private AuthTag(boolean replayed, boolean nonceRetried, int sessionEpoch) {
    this.replayed = replayed;
    this.nonceRetried = nonceRetried;
    this.sessionEpoch = sessionEpoch;
  }

  /** The tag of this send sent again for a nonce challenge. */
  AuthTag nonceRetry() {
    return replayed ? REPLAY_NONCE_RETRY : NONCE_RETRY;
  }

  /** The tag of a first send that carried no token, in session epoch {@code sessionEpoch}. */
  static AuthTag unsigned(int sessionEpoch) {
    return new AuthTag(false, false, sessionEpoch);
  }

  @Override
  public String toString() {
    return "TokenPairAuth{replayed=" + replayed + ", nonceRetried=" + nonceRetried + "}";
  }
}
