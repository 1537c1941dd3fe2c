package io.tokenpair.client;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The refresh cookie protocol of {@link RefreshProtocol#cookie()}: {@code POST} to the refresh URL
 * with the HttpOnly refresh cookie from the SDK's jar, the access token at a JSON pointer. 400, 401
 * and 403 reject the cookie. {@link #UNBOUND} stands for it until the builder {@linkplain #bind
 * binds} it to its URL and pointers. Immutable.
 */
final class CookieProtocol implements RefreshProtocol {
  static final CookieProtocol UNBOUND = new CookieProtocol(null, null, null);

  private final @Nullable HttpUrl refreshUrl;
  private final @Nullable JsonPointer accessTokenPointer;
  private final @Nullable JsonPointer loginTokenPointer;

  private CookieProtocol(
      @Nullable HttpUrl refreshUrl,
      @Nullable JsonPointer accessTokenPointer,
      @Nullable JsonPointer loginTokenPointer) {
    this.refreshUrl = refreshUrl;
    this.accessTokenPointer = accessTokenPointer;
    this.loginTokenPointer = loginTokenPointer;
  }

  static CookieProtocol bind(
      HttpUrl refreshUrl, JsonPointer accessTokenPointer, JsonPointer loginTokenPointer) {
    return new CookieProtocol(refreshUrl, accessTokenPointer, loginTokenPointer);
  }

  @Override
  public HttpUrl endpoint() {
    if (refreshUrl == null) throw new IllegalStateException("Not bound to a base URL.");
    return refreshUrl;
  }

  @Override
  public Request newRefreshRequest(@Nullable String refreshToken) {
    return new Request.Builder()
        .url(endpoint())
        .post(RequestBody.EMPTY)
        .header("Accept", "application/json")
        .build();
  }

  @Override
  public TokenGrant readRefreshResponse(Response response) throws IOException {
    int code = response.code();
    if (!response.isSuccessful()) {
      boolean rejected = code == 400 || code == 401 || code == 403;
      throw AuthAnswers.refused("Refresh", response, AuthAnswers.error(response), rejected);
    }
    return read(response, accessTokenPointer, "Refresh");
  }

  @Override
  public TokenGrant readLoginResponse(Response response) throws IOException {
    if (!response.isSuccessful()) {
      throw AuthAnswers.refused("Login", response, AuthAnswers.error(response), false);
    }
    return read(response, loginTokenPointer, "Login");
  }

  private static TokenGrant read(Response response, @Nullable JsonPointer pointer, String operation)
      throws IOException {
    if (pointer == null) throw new IllegalStateException("Not bound to a base URL.");
    return TokenGrant.of(
        AuthAnswers.text(AuthAnswers.json(response), pointer, operation, "access token"));
  }

  @Override
  public String toString() {
    return "RefreshProtocol.cookie(" + (refreshUrl != null ? refreshUrl.encodedPath() : "") + ")";
  }
}
