package io.tokenpair.demo;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Limits login attempts per client IP and per account in a fixed window, which starts at the key's
 * first failed attempt (an attempt given back does not start one). An attempt is {@linkplain
 * #reserve reserved} before its password is checked, atomically on both keys, and counts as a
 * failure from then on; a successful login {@linkplain Attempt#succeeded() gives back} its IP slot
 * and clears the account's count. So of any number of concurrent wrong passwords, at most the limit
 * of each key ever reach the password check. Once a key is at its limit, attempts for it are
 * refused until its window ends; {@link Attempt#retryAfter()} says for how long.
 *
 * <p>This class is thread-safe: its state is guarded by its own monitor, held only for a few map
 * operations (never across the password check).
 */
public final class LoginThrottle {
  private static final int MAX_KEYS = 100_000;

  private final int maxPerAccount;
  private final int maxPerIp;
  private final Duration window;
  private final Clock clock;

  /** Attempts per key in its current window. Guarded by this. */
  private final Map<String, Window> windows = new HashMap<>();

  private record Window(Instant start, int attempts) {}

  /**
   * One login attempt. When {@link #allowed()}, it was counted against its IP and account as a
   * failure; the caller reports a success with {@link #succeeded()}. Not thread-safe: one request
   * owns it.
   */
  public final class Attempt {
    private final String ipKey;
    private final String accountKey;
    private final Instant ipWindow;
    private final Instant accountWindow;
    private final Duration retryAfter;
    private boolean settled;

    private Attempt(
        String ipKey,
        String accountKey,
        Instant ipWindow,
        Instant accountWindow,
        Duration retryAfter) {
      this.ipKey = ipKey;
      this.accountKey = accountKey;
      this.ipWindow = ipWindow;
      this.accountWindow = accountWindow;
      this.retryAfter = retryAfter;
    }

    /** True when the attempt may go on to the password check. */
    public boolean allowed() {
      return retryAfter.isZero();
    }

    /** How long the caller must wait; {@link Duration#ZERO} when {@link #allowed()}. */
    public Duration retryAfter() {
      return retryAfter;
    }

    /**
     * The password matched: gives the IP slot back and clears the account's count. At most once per
     * attempt, together with {@link #captchaFailed()}; nothing for a refused attempt.
     */
    public void succeeded() {
      if (settle()) {
        synchronized (LoginThrottle.this) {
          giveBack(ipKey, ipWindow);
          if (accountKey != null) windows.remove(accountKey);
        }
      }
    }

    /**
     * The captcha was wrong, so no password was checked: the attempt counts against the IP only,
     * and a wrong captcha never locks an account. At most once, as {@link #succeeded()}.
     */
    public void captchaFailed() {
      if (settle() && accountKey != null) {
        synchronized (LoginThrottle.this) {
          giveBack(accountKey, accountWindow);
        }
      }
    }

    private boolean settle() {
      if (!allowed() || settled) return false;
      settled = true;
      return true;
    }
  }

  public LoginThrottle(int maxPerAccount, int maxPerIp, Duration window, Clock clock) {
    this.maxPerAccount = maxPerAccount;
    this.maxPerIp = maxPerIp;
    this.window = Objects.requireNonNull(window, "window == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
  }

  /**
   * Reserves an attempt for {@code ip} and, unless null, {@code username}: both keys are counted,
   * or, when either is at its limit, neither is and the attempt is refused.
   */
  public synchronized Attempt reserve(String ip, String username) {
    Objects.requireNonNull(ip, "ip == null");
    var now = clock.instant();
    if (windows.size() > MAX_KEYS) windows.values().removeIf(w -> expired(w, now));
    var ipKey = ipKey(ip);
    var accountKey = username != null ? accountKey(username) : null;
    var wait = blockedFor(ipKey, maxPerIp, now);
    if (accountKey != null) {
      var accountWait = blockedFor(accountKey, maxPerAccount, now);
      if (accountWait.compareTo(wait) > 0) wait = accountWait;
    }
    if (!wait.isZero()) return new Attempt(ipKey, accountKey, null, null, wait);
    var ipWindow = increment(ipKey, now);
    var accountWindow = accountKey != null ? increment(accountKey, now) : null;
    return new Attempt(ipKey, accountKey, ipWindow, accountWindow, Duration.ZERO);
  }

  /**
   * Uncounts one attempt of {@code key}, unless its window has moved on. A window left with no
   * attempt goes: the next failure starts a new one, so a window starts at the first attempt that
   * still counts (the first failure), as the test double's does. Guarded by this.
   */
  private void giveBack(String key, Instant windowStart) {
    var w = windows.get(key);
    if (w == null || !w.start().equals(windowStart) || w.attempts() <= 0) return;
    if (w.attempts() == 1) {
      windows.remove(key);
    } else {
      windows.put(key, new Window(w.start(), w.attempts() - 1));
    }
  }

  private Duration blockedFor(String key, int max, Instant now) {
    var w = windows.get(key);
    if (w == null || expired(w, now) || w.attempts() < max) return Duration.ZERO;
    return Duration.between(now, w.start().plus(window));
  }

  /**
   * Counts one attempt for {@code key}; returns the start of the window it was counted in. Guarded
   * by this.
   */
  private Instant increment(String key, Instant now) {
    var w = windows.get(key);
    var next =
        w == null || expired(w, now) ? new Window(now, 1) : new Window(w.start(), w.attempts() + 1);
    windows.put(key, next);
    return next.start();
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
