package io.tokenpair.demo;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable configuration of a {@link DemoServer}. Build one with {@link #builder()}; {@link
 * ConfigParser} builds one from command-line flags and environment variables.
 *
 * <p>{@link #toString()} never prints secrets or passwords. This class is thread-safe.
 */
public record DemoConfig(
    String host,
    int port,
    Duration accessTtl,
    Duration refreshTtl,
    CaptchaMode captcha,
    int expiredStatus,
    Duration rotationGrace,
    Map<String, String> users,
    List<String> corsOrigins,
    SecureCookie secureCookie,
    byte[] accessSecret,
    byte[] refreshSecret,
    boolean secretsGenerated,
    int passwordIterations,
    int maxFailuresPerAccount,
    int maxFailuresPerIp,
    Duration throttleWindow,
    int threads,
    StoreSpec store,
    Duration purgeInterval,
    Clock clock) {

  /** OWASP's recommendation for PBKDF2WithHmacSHA256 (Password Storage Cheat Sheet). */
  public static final int DEFAULT_PASSWORD_ITERATIONS = 600_000;

  public static final String DEFAULT_USER = "demo";
  public static final String DEFAULT_PASSWORD = "demo-password";

  /** Minimum length of each HMAC secret in bytes (RFC 8725 §3.5 for HS256). */
  public static final int MIN_SECRET_BYTES = 32;

  /** Whether the login requires a captcha, and whether the captcha endpoint reveals its answer. */
  public enum CaptchaMode {
    ON,
    REVEAL,
    OFF
  }

  /** When the {@code rt} cookie carries the {@code Secure} attribute. */
  public enum SecureCookie {
    /** Secure when the request arrived over TLS or with {@code X-Forwarded-Proto: https}. */
    AUTO,
    TRUE,
    FALSE
  }

  public DemoConfig {
    Objects.requireNonNull(host, "host == null");
    Objects.requireNonNull(accessTtl, "accessTtl == null");
    Objects.requireNonNull(refreshTtl, "refreshTtl == null");
    Objects.requireNonNull(captcha, "captcha == null");
    Objects.requireNonNull(rotationGrace, "rotationGrace == null");
    Objects.requireNonNull(secureCookie, "secureCookie == null");
    Objects.requireNonNull(accessSecret, "accessSecret == null");
    Objects.requireNonNull(refreshSecret, "refreshSecret == null");
    Objects.requireNonNull(throttleWindow, "throttleWindow == null");
    Objects.requireNonNull(clock, "clock == null");
    Objects.requireNonNull(store, "store == null");
    Objects.requireNonNull(purgeInterval, "purgeInterval == null");
    if (port < 0 || port > 65_535) throw new IllegalArgumentException("port out of range: " + port);
    if (accessTtl.isNegative() || accessTtl.isZero()) {
      throw new IllegalArgumentException("accessTtl must be positive.");
    }
    if (refreshTtl.isNegative() || refreshTtl.isZero()) {
      throw new IllegalArgumentException("refreshTtl must be positive.");
    }
    if (rotationGrace.isNegative()) {
      throw new IllegalArgumentException("rotationGrace must not be negative.");
    }
    if (expiredStatus != 401 && expiredStatus != 419) {
      throw new IllegalArgumentException("expiredStatus must be 401 or 419.");
    }
    if (users.isEmpty()) throw new IllegalArgumentException("at least one user is required.");
    if (accessSecret.length < MIN_SECRET_BYTES || refreshSecret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("secrets must be at least 32 bytes.");
    }
    if (java.util.Arrays.equals(accessSecret, refreshSecret)) {
      throw new IllegalArgumentException("the access and refresh secrets must differ.");
    }
    if (passwordIterations < 1) throw new IllegalArgumentException("passwordIterations < 1");
    if (threads < 1) throw new IllegalArgumentException("threads < 1");
    if (purgeInterval.isNegative()) {
      throw new IllegalArgumentException("purgeInterval must not be negative.");
    }
    users = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(users));
    corsOrigins = List.copyOf(corsOrigins);
    accessSecret = accessSecret.clone();
    refreshSecret = refreshSecret.clone();
  }

  @Override
  public byte[] accessSecret() {
    return accessSecret.clone();
  }

  @Override
  public byte[] refreshSecret() {
    return refreshSecret.clone();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder initialised with this configuration. */
  public Builder toBuilder() {
    var b = new Builder();
    b.host = host;
    b.port = port;
    b.accessTtl = accessTtl;
    b.refreshTtl = refreshTtl;
    b.captcha = captcha;
    b.expiredStatus = expiredStatus;
    b.rotationGrace = rotationGrace;
    b.users = new LinkedHashMap<>(users);
    b.corsOrigins = new ArrayList<>(corsOrigins);
    b.secureCookie = secureCookie;
    b.accessSecret = accessSecret.clone();
    b.refreshSecret = refreshSecret.clone();
    b.secretsGenerated = secretsGenerated;
    b.passwordIterations = passwordIterations;
    b.maxFailuresPerAccount = maxFailuresPerAccount;
    b.maxFailuresPerIp = maxFailuresPerIp;
    b.throttleWindow = throttleWindow;
    b.threads = threads;
    b.store = store;
    b.purgeInterval = purgeInterval;
    b.clock = clock;
    return b;
  }

  @Override
  public String toString() {
    return "DemoConfig[host="
        + host
        + ", port="
        + port
        + ", accessTtl="
        + accessTtl
        + ", refreshTtl="
        + refreshTtl
        + ", captcha="
        + captcha
        + ", expiredStatus="
        + expiredStatus
        + ", rotationGrace="
        + rotationGrace
        + ", users="
        + users.keySet()
        + ", corsOrigins="
        + corsOrigins
        + ", secureCookie="
        + secureCookie
        + ", secrets="
        + (secretsGenerated ? "random" : "from environment")
        + ", passwordIterations="
        + passwordIterations
        + ", store="
        + store
        + ", purgeInterval="
        + purgeInterval
        + "]";
  }

  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  /** Builds a {@link DemoConfig}; defaults match the command line's. Not thread-safe. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private Duration accessTtl = Duration.ofMinutes(15);
    private Duration refreshTtl = Duration.ofDays(15);
    private CaptchaMode captcha = CaptchaMode.ON;
    private int expiredStatus = 401;
    private Duration rotationGrace = Duration.ZERO;
    private Map<String, String> users = new LinkedHashMap<>();
    private List<String> corsOrigins = new ArrayList<>();
    private SecureCookie secureCookie = SecureCookie.AUTO;
    private byte[] accessSecret;
    private byte[] refreshSecret;
    private boolean secretsGenerated;
    private int passwordIterations = DEFAULT_PASSWORD_ITERATIONS;
    private int maxFailuresPerAccount = 5;
    private int maxFailuresPerIp = 20;
    private Duration throttleWindow = Duration.ofMinutes(15);
    private int threads = 16;
    private StoreSpec store = StoreSpec.MEMORY;
    private Duration purgeInterval = Duration.ofMinutes(10);
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder accessTtl(Duration accessTtl) {
      this.accessTtl = accessTtl;
      return this;
    }

    public Builder refreshTtl(Duration refreshTtl) {
      this.refreshTtl = refreshTtl;
      return this;
    }

    public Builder captcha(CaptchaMode captcha) {
      this.captcha = captcha;
      return this;
    }

    public Builder expiredStatus(int expiredStatus) {
      this.expiredStatus = expiredStatus;
      return this;
    }

    public Builder rotationGrace(Duration rotationGrace) {
      this.rotationGrace = rotationGrace;
      return this;
    }

    /** Adds a user; the first call replaces the built-in demo user. */
    public Builder user(String name, String password) {
      users.put(Objects.requireNonNull(name, "name == null"), password);
      return this;
    }

    public Builder corsOrigin(String origin) {
      corsOrigins.add(Objects.requireNonNull(origin, "origin == null"));
      return this;
    }

    public Builder secureCookie(SecureCookie secureCookie) {
      this.secureCookie = secureCookie;
      return this;
    }

    /** Sets both HMAC secrets; without this call, {@link #build()} draws random ones. */
    public Builder secrets(byte[] accessSecret, byte[] refreshSecret) {
      this.accessSecret = accessSecret.clone();
      this.refreshSecret = refreshSecret.clone();
      this.secretsGenerated = false;
      return this;
    }

    public Builder passwordIterations(int passwordIterations) {
      this.passwordIterations = passwordIterations;
      return this;
    }

    public Builder maxFailuresPerAccount(int maxFailuresPerAccount) {
      this.maxFailuresPerAccount = maxFailuresPerAccount;
      return this;
    }

    public Builder maxFailuresPerIp(int maxFailuresPerIp) {
      this.maxFailuresPerIp = maxFailuresPerIp;
      return this;
    }

    public Builder throttleWindow(Duration throttleWindow) {
      this.throttleWindow = throttleWindow;
      return this;
    }

    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Where sessions live; {@link StoreSpec#MEMORY} by default. */
    public Builder store(StoreSpec store) {
      this.store = store;
      return this;
    }

    /** How often expired and revoked sessions are deleted (10 minutes); zero never. */
    public Builder purgeInterval(Duration purgeInterval) {
      this.purgeInterval = purgeInterval;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public DemoConfig build() {
      var effectiveUsers = users.isEmpty() ? Map.of(DEFAULT_USER, DEFAULT_PASSWORD) : users;
      var generated = accessSecret == null || refreshSecret == null;
      var random = new SecureRandom();
      var at = generated ? randomSecret(random) : accessSecret;
      var rt = generated ? randomSecret(random) : refreshSecret;
      return new DemoConfig(
          host,
          port,
          accessTtl,
          refreshTtl,
          captcha,
          expiredStatus,
          rotationGrace,
          effectiveUsers,
          corsOrigins,
          secureCookie,
          at,
          rt,
          generated || secretsGenerated,
          passwordIterations,
          maxFailuresPerAccount,
          maxFailuresPerIp,
          throttleWindow,
          threads,
          store,
          purgeInterval,
          clock);
    }

    private static byte[] randomSecret(SecureRandom random) {
      var secret = new byte[MIN_SECRET_BYTES];
      random.nextBytes(secret);
      return secret;
    }
  }
}
