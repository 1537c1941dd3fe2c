package io.tokenpair.demo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins per client IP and per account in a fixed window. Once a key reaches its
 * limit, logins for it are refused until its window ends; {@link #check} says for how long. A
 * successful login clears the account's count (not the IP's). This class is thread-safe.
 */
public final class LoginThrottle {
  private static final int MAX_KEYS = 100_000;

  private final int maxPerAccount;
  private final int maxPerIp;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  private record Window(Instant start, int failures) {}

  public LoginThrottle(int maxPerAccount, int maxPerIp, Duration window, Clock clock) {
    this.maxPerAccount = maxPerAccount;
    this.maxPerIp = maxPerIp;
    this.window = window;
    this.clock = clock;
  }

  /** Returns how long the caller must wait, or {@link Duration#ZERO} when it may try now. */
  public Duration check(String ip, String username) {
    var now = clock.instant();
    var wait = blockedFor(ipKey(ip), maxPerIp, now);
    if (username != null) {
      var accountWait = blockedFor(accountKey(username), maxPerAccount, now);
      if (accountWait.compareTo(wait) > 0) wait = accountWait;
    }
    return wait;
  }

  public void recordFailure(String ip, String username) {
    var now = clock.instant();
    if (windows.size() > MAX_KEYS) windows.values().removeIf(w -> expired(w, now));
    increment(ipKey(ip), now);
    if (username != null) increment(accountKey(username), now);
  }

  public void recordSuccess(String username) {
    windows.remove(accountKey(username));
  }

  private Duration blockedFor(String key, int max, Instant now) {
    var w = windows.get(key);
    if (w == null || expired(w, now) || w.failures() < max) return Duration.ZERO;
    return Duration.between(now, w.start().plus(window));
  }

  private void increment(String key, Instant now) {
    windows.compute(
        key,
        (k, w) ->
            w == null || expired(w, now)
                ? new Window(now, 1)
                : new Window(w.start(), w.failures() + 1));
  }

  private boolean expired(Window w, Instant now) {
    return !now.isBefore(w.start().plus(window));
  }

  private static String ipKey(String ip) {
    return "ip:" + ip;
  }

  private static String accountKey(String username) {
    return "account:" + username.toLowerCase(Locale.ROOT);
  }
}
