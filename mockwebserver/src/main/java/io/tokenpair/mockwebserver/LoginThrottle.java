package io.tokenpair.mockwebserver;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The demo server's login throttling with its defaults: failed logins counted per client IP (20)
 * and per account (5, case-insensitive) in a fixed 15-minute window that starts at the first
 * failure; at the limit, logins for that key wait until its window ends. A successful login clears
 * the account's count. Not thread-safe: {@link TokenServerDispatcher} calls it under its lock.
 */
final class LoginThrottle {
  static final int MAX_PER_ACCOUNT = 5;
  static final int MAX_PER_IP = 20;
  static final long WINDOW_MILLIS = TimeUnit.MINUTES.toMillis(15);

  /** The start and failure count of each key's window. */
  private final Map<String, long[]> windows = new HashMap<>();

  /** Returns how many milliseconds the caller must wait, or 0 when it may try now. */
  long waitMillis(String ip, String username, long now) {
    return Math.max(
        blockedFor("ip:" + ip, MAX_PER_IP, now),
        blockedFor(accountKey(username), MAX_PER_ACCOUNT, now));
  }

  void recordFailure(String ip, String username, long now) {
    increment("ip:" + ip, now);
    increment(accountKey(username), now);
  }

  void recordSuccess(String username) {
    windows.remove(accountKey(username));
  }

  private long blockedFor(String key, int max, long now) {
    long[] window = windows.get(key);
    if (window == null || now >= window[0] + WINDOW_MILLIS || window[1] < max) return 0;
    return window[0] + WINDOW_MILLIS - now;
  }

  private void increment(String key, long now) {
    long[] window = windows.get(key);
    if (window == null || now >= window[0] + WINDOW_MILLIS) {
      windows.put(key, new long[] {now, 1});
    } else {
      window[1]++;
    }
  }

  private static String accountKey(String username) {
    return "account:" + username.toLowerCase(Locale.ROOT);
  }

  /** {@code Retry-After} seconds for a wait: rounded up, at least 1. */
  static long retryAfterSeconds(long waitMillis) {
    return Math.max(1, (waitMillis + 999) / 1000);
  }
}
