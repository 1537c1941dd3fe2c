package io.tokenpair.client;

/**
 * Lets demo-server's end-to-end tests run the SDK on the server's test clock, through the SDK's
 * package-private clock seam, so that proactive refresh can be tested without sleeping. Test code
 * only: it lives in demo-server's test sources, in the SDK's package.
 */
public final class SdkClocks {
  private SdkClocks() {}

  /**
   * Returns a new builder whose wall clock (token and cookie expiry) is {@code wall}; durations
   * still use {@link System#nanoTime()}.
   */
  public static TokenPairAuth.Builder builder(java.time.Clock wall) {
    return TokenPairAuth.builder()
        .clock(
            new Clock() {
              @Override
              public long nanoTime() {
                return System.nanoTime();
              }

              @Override
              public long currentTimeMillis() {
                return wall.millis();
              }

              @Override
              public boolean readsDateHeaders() {
                return false; // The JDK's server stamps Date with the real time, not with wall.
              }
            });
  }
}
