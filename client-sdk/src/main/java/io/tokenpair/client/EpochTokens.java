package io.tokenpair.client;

/**
 * The access tokens that have been current in one session epoch, newest first, at most {@link
 * #LIMIT} of them: a failed request that carried one of them was sent in this session and may be
 * replayed in it; a request that carried any other token was sent in a session that has ended.
 *
 * <p>Immutable: {@link Session} replaces it whole. {@code toString()} hides the tokens.
 */
final class EpochTokens {
  /**
   * How many tokens are remembered. A request still waiting for its answer after this many
   * refreshes of its session is not replayed: the caller gets its answer.
   */
  static final int LIMIT = 8;

  static final EpochTokens EMPTY = new EpochTokens(new String[0]);

  private final String[] tokens;

  private EpochTokens(String[] tokens) {
    this.tokens = tokens;
  }

  /** Returns these tokens with {@code token} first. */
  EpochTokens with(String token) {
    if (tokens.length > 0 && tokens[0].equals(token)) return this;
    String[] next = new String[Math.min(tokens.length + 1, LIMIT)];
    next[0] = token;
    System.arraycopy(tokens, 0, next, 1, next.length - 1);
    return new EpochTokens(next);
  }

  boolean contains(String token) {
    for (String known : tokens) {
      if (known.equals(token)) return true;
    }
    return false;
  }

  @Override
  public String toString() {
    return "EpochTokens{size=" + tokens.length + "}";
  }
}
