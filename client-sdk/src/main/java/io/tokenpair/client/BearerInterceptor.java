package io.tokenpair.client;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The application interceptor of {@link TokenPairAuth}: adds the bearer to requests for the base
 * URL's origin (refreshing first when the token is about to expire) and replays a request that
 * failed with an expired status other than 401, such as 419. A 401 is the {@link
 * BearerAuthenticator}'s; both use {@link TokenSession#replay}.
 *
 * <p>Thread-safe and stateless.
 */
final class BearerInterceptor implements Interceptor {
  private final TokenSession session;

  BearerInterceptor(TokenSession session) {
    this.session = session;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!session.appliesTo(request)) return chain.proceed(request);

    Response response = chain.proceed(session.authorize(request));
    if (response.code() == 401) return response; // The authenticator already had its turn.
    Request replay = session.replay(response);
    if (replay == null) return response;
    response.close();
    return chain.proceed(replay);
  }

  @Override
  public String toString() {
    return "TokenPairAuth.Interceptor";
  }
}
