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
 * #reserve reserved} before its password is checked, atomically on every key, and counts as a
 * failure from then on; a successful login {@linkplain Attempt#succeeded() gives back} its IP slot
 * and clears the account's count. So of any number of concurrent wrong passwords, at most the limit
 * of each key ever reach the password check. Once a key is at its limit, attempts for it are
 * refused until its window ends; {@link Attempt#retryAfter()} says for how long.
 *
 * <p>Wrong captchas have a budget of their own per IP: a login with a captcha also reserves a slot
 * of it, which a right captcha gives back; a wrong one keeps it and gives back the IP's and the
 * account's password slots, as no password was checked. So junk logins with bad captchas, almost
 * free to send, never lock the users behind one address out of their password attempts.
 *
 * <p>This class is thread-safe: its state is guarded by its own monitor, held only for a few map
 * operations (never across the password check).
 */
public final class LoginThrottle {
  private static final int MAX_KEYS = 100_000;

  private final int maxPerAccount;
  private final int maxPerIp;
  private final int maxCaptchaPerIp;
  private final Duration window;
  private final Clock clock;

  /** Attempts per key in its current window. Guarded by this. */
  private final Map<String, Window> windows = new HashMap<>();

  private record Window(Instant start, int attempts) {}

  /**
   * One login attempt. When {@link #allowed()}, it was counted against its IP and account as a
   * failure, and against the IP's captcha budget when a captcha is checked; the caller settles it
   * with {@link #captchaPassed()} or {@link #captchaFailed()}, then {@link #succeeded()} when the
   * password matched. Not thread-safe: one request owns it.
   */
  public final class Attempt {
    private final String ipKey;
    private final String accountKey;
    private final String captchaKey;
    private final Instant ipWindow;
    private final Instant accountWindow;
    private final Instant captchaWindow;
    private final Duration retryAfter;
    private boolean captchaSettled;
    private boolean settled;

    private Attempt(
        String ipKey,
        String accountKey,
        String captchaKey,
        Instant ipWindow,
        Instant accountWindow,
        Instant captchaWindow,
        Duration retryAfter) {
      this.ipKey = ipKey;
      this.accountKey = accountKey;
      this.captchaKey = captchaKey;
      this.ipWindow = ipWindow;
      this.accountWindow = accountWindow;
      this.captchaWindow = captchaWindow;
      this.retryAfter = retryAfter;
    }

    /** True when the attempt may go on to the captcha and password checks. */
    public boolean allowed() {
      return retryAfter.isZero();
    }

    /** How long the caller must wait; {@link Duration#ZERO} when {@link #allowed()}. */
    public Duration retryAfter() {
      return retryAfter;
    }

    /** The captcha was right: gives its slot back. At most once, with {@link #captchaFailed()}. */
    public void captchaPassed() {
      if (!allowed() || captchaSettled) return;
      captchaSettled = true;
      if (captchaKey != null) {
        synchronized (LoginThrottle.this) {
          giveBack(captchaKey, captchaWindow);
        }
      }
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
     * The captcha was wrong, so no password was checked: the attempt counts against the IP's
     * captcha budget only, never against its password budget nor the account. At most once, as
     * {@link #succeeded()}.
     */
    public void captchaFailed() {
      if (!settle()) return;
      captchaSettled = true;
      synchronized (LoginThrottle.this) {
        giveBack(ipKey, ipWindow);
        if (accountKey != null) giveBack(accountKey, accountWindow);
      }
    }

    private boolean settle() {
      if (!allowed() || settled) return false;
      settled = true;
      return true;
    }
  }

  /**
   * @param maxPerAccount wrong passwords per account and window
   * @param maxPerIp wrong passwords per client address and window
   * @param maxCaptchaPerIp wrong captchas per client address and window, a budget of their own
   */
  public LoginThrottle(
      int maxPerAccount, int maxPerIp, int maxCaptchaPerIp, Duration window, Clock clock) {
    this.maxPerAccount = maxPerAccount;
    this.maxPerIp = maxPerIp;
    this.maxCaptchaPerIp = maxCaptchaPerIp;
    this.window = Objects.requireNonNull(window, "window == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
  }

  /** As {@link #reserve(String, String, boolean)} for a login without a captcha. */
  public Attempt reserve(String ip, String username) {
    return reserve(ip, username, false);
  }

  /**
   * Reserves an attempt for {@code ip} and, unless null, {@code username}, and when {@code captcha}
   * a slot of the IP's captcha budget: all keys are counted, or, when any is at its limit, none is
   * and the attempt is refused.
   */
  public synchronized Attempt reserve(String ip, String username, boolean captcha) {
    Objects.requireNonNull(ip, "ip == null");
    var now = clock.instant();
    if (windows.size() > MAX_KEYS) windows.values().removeIf(w -> expired(w, now));
    var ipKey = "ip:" + ip;
    var accountKey = username != null ? accountKey(username) : null;
    var captchaKey = captcha ? "captcha:" + ip : null;
    var wait = blockedFor(ipKey, maxPerIp, now);
    if (accountKey != null) wait = longer(wait, blockedFor(accountKey, maxPerAccount, now));
    if (captchaKey != null) wait = longer(wait, blockedFor(captchaKey, maxCaptchaPerIp, now));
    if (!wait.isZero()) return new Attempt(ipKey, accountKey, captchaKey, null, null, null, wait);
    return new Attempt(
        ipKey,
        accountKey,
        captchaKey,
        increment(ipKey, now),
        accountKey != null ? increment(accountKey, now) : null,
        captchaKey != null ? increment(captchaKey, now) : null,
        Duration.ZERO);
  }

  private static Duration longer(Duration a, Duration b) {
    return b.compareTo(a) > 0 ? b : a;
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

  private static String accountKey(String username) {
    return "account:" + username.toLowerCase(Locale.ROOT);
  }
}
