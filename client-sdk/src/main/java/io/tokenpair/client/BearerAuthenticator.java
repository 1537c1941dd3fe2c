package io.tokenpair.client;

import java.io.IOException;
import okhttp3.Authenticator;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.Route;

/**
 * The {@link Authenticator} of {@link TokenPairAuth}: answers a 401 from the base URL's origin with
 * the request to replay, through {@link TokenSession#replay}. It ignores proxy challenges (407) and
 * requests it did not authorize.
 *
 * <p>Thread-safe and stateless.
 */
final class BearerAuthenticator implements Authenticator {
  private final TokenSession session;

  BearerAuthenticator(TokenSession session) {
    this.session = session;
  }

  @Override
  public Request authenticate(Route route, Response response) throws IOException {
    if (response.code() != 401) return null;
    return session.replay(response);
  }

  @Override
  public String toString() {
    return "TokenPairAuth.Authenticator";
  }
}
