package io.tokenpair.client;

import java.util.ArrayList;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A server whose cookies are session cookies (no {@code Max-Age}, no {@code Expires}), as Express's
 * {@code res.cookie('rt', value, {httpOnly: true})} sets them: {@code POST /auth/login} sets {@code
 * rt} (path {@code /auth}) and {@code csrf} (path {@code /}); {@code POST /auth/refresh} rotates
 * {@code rt} and refuses a missing or spent one with 401; every other path answers 200 to the
 * current bearer and 401 to anything else. Thread-safe.
 */
final class SessionCookieServer extends Dispatcher {
  /** Guarded by this. */
  private int serial;

  /** The access token the API accepts, or null once expired. Guarded by this. */
  private String accessToken;

  /** The refresh cookie's current value. Guarded by this. */
  private String refreshToken;

  /** Guarded by this. */
  private int refreshes;

  /** Guarded by this. */
  private int refusedRefreshes;

  /** The Cookie header of each API call, "" for none. Guarded by this. */
  private final List<String> apiCookies = new ArrayList<>();

  synchronized void expireAccessToken() {
    accessToken = null;
  }

  synchronized int refreshes() {
    return refreshes;
  }

  synchronized int refusedRefreshes() {
    return refusedRefreshes;
  }

  synchronized List<String> apiCookies() {
    return new ArrayList<>(apiCookies);
  }

  @Override
  public synchronized MockResponse dispatch(RecordedRequest request) {
    String cookies = request.getHeaders().get("Cookie");
    if (cookies == null) cookies = "";
    switch (request.getUrl().encodedPath()) {
      case "/auth/login":
        return grant().addHeader("Set-Cookie", "csrf=c1; Path=/").build();
      case "/auth/refresh":
        if (refreshToken == null || !sends(cookies, "rt=" + refreshToken)) {
          refusedRefreshes++;
          return new MockResponse.Builder().code(401).build();
        }
        refreshes++;
        return grant().build();
      default:
        apiCookies.add(cookies);
        String authorization = request.getHeaders().get("Authorization");
        boolean valid = accessToken != null && ("Bearer " + accessToken).equals(authorization);
        return new MockResponse.Builder().code(valid ? 200 : 401).build();
    }
  }

  private MockResponse.Builder grant() {
    serial++;
    accessToken = "a" + serial;
    refreshToken = "r" + serial;
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/json")
        .addHeader("Set-Cookie", "rt=" + refreshToken + "; Path=/auth; HttpOnly")
        .body("{\"data\":{\"access_token\":\"" + accessToken + "\"}}");
  }

  private static boolean sends(String cookieHeader, String pair) {
    for (String sent : cookieHeader.split("; ")) {
      if (sent.equals(pair)) return true;
    }
    return false;
  }
}
