package io.tokenpair.demo;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable configuration of a {@link DemoServer}. Build one with {@link #builder()}; {@link
 * ConfigParser} fills a builder from command-line flags and environment variables.
 *
 * <p>{@link Builder#build()} is the one place that checks the rules: each broken rule is a {@link
 * ConfigException} naming the flag or variable a user sets it with (for example {@code Flag
 * --access-ttl must be longer than zero.}), whether the value came from the command line or from
 * code. Two configurations are equal only if they are the same object.
 *
 * <p>{@link #toString()} never prints secrets or passwords. This class is thread-safe.
 */
public final class DemoConfig {
  /** OWASP's recommendation for PBKDF2WithHmacSHA256 (Password Storage Cheat Sheet). */
  public static final int DEFAULT_PASSWORD_ITERATIONS = 600_000;

  public static final String DEFAULT_USER = "demo";
  public static final String DEFAULT_PASSWORD = "demo-password";

  /** Minimum length of each HMAC secret in bytes (RFC 8725 §3.5 for HS256). */
  public static final int MIN_SECRET_BYTES = 32;

  private static final Pattern ORIGIN = Pattern.compile("https?://[^/\\s]+");

  /** Whether the login requires a captcha, and whether the captcha endpoint reveals its answer. */
  public enum CaptchaMode {
    ON,
    REVEAL,
    OFF
  }

  /**
   * DPoP (RFC 9449) at {@code /oauth/token}, {@code /oauth/revoke} and {@code /api/*}: {@code OFF}
   * ignores proofs; {@code OPTIONAL} binds the tokens of a grant that sends a valid proof to its
   * key; {@code REQUIRED} also refuses a grant without one. Bound tokens need a proof of their key
   * in every mode; the cookie endpoints issue Bearer tokens in every mode.
   */
  public enum DpopMode {
    OFF,
    OPTIONAL,
    REQUIRED
  }

  /** When the {@code rt} cookie carries the {@code Secure} attribute. */
  public enum SecureCookie {
    /** Secure when the request arrived over TLS or with {@code X-Forwarded-Proto: https}. */
    AUTO,
    TRUE,
    FALSE
  }

  private final String host;
  private final int port;
  private final Duration accessTtl;
  private final Duration refreshTtl;
  private final CaptchaMode captcha;
  private final int expiredStatus;
  private final Duration rotationGrace;
  private final Map<String, String> users;
  private final List<String> corsOrigins;
  private final SecureCookie secureCookie;
  private final byte[] accessSecret;
  private final byte[] refreshSecret;
  private final boolean secretsGenerated;
  private final int passwordIterations;
  private final int maxFailuresPerAccount;
  private final int maxFailuresPerIp;
  private final int maxCaptchaFailuresPerIp;
  private final List<String> trustedProxies;
  private final Duration throttleWindow;
  private final int threads;
  private final int readThreads;
  private final int queuedRequests;
  private final StoreSpec store;
  private final Duration storeTimeout;
  private final Duration purgeInterval;
  private final boolean passwordGrant;
  private final DpopMode dpop;
  private final boolean dpopNonce;
  private final Clock clock;

  /** Takes {@code b}'s values, which {@link Builder#build()} has checked; draws missing secrets. */
  private DemoConfig(Builder b) {
    host = b.host;
    port = b.port;
    accessTtl = b.accessTtl;
    refreshTtl = b.refreshTtl;
    captcha = b.captcha;
    expiredStatus = b.expiredStatus;
    rotationGrace = b.rotationGrace;
    users =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(
                b.users.isEmpty() ? Map.of(DEFAULT_USER, DEFAULT_PASSWORD) : b.users));
    corsOrigins = List.copyOf(b.corsOrigins);
    secureCookie = b.secureCookie;
    secretsGenerated = b.accessSecret == null;
    var random = secretsGenerated ? new SecureRandom() : null;
    accessSecret = secretsGenerated ? randomSecret(random) : b.accessSecret.clone();
    refreshSecret = secretsGenerated ? randomSecret(random) : b.refreshSecret.clone();
    passwordIterations = b.passwordIterations;
    maxFailuresPerAccount = b.maxFailuresPerAccount;
    maxFailuresPerIp = b.maxFailuresPerIp;
    maxCaptchaFailuresPerIp = b.maxCaptchaFailuresPerIp;
    trustedProxies = List.copyOf(b.trustedProxies);
    throttleWindow = b.throttleWindow;
    threads = b.threads;
    readThreads = b.readThreads;
    queuedRequests = b.queuedRequests;
    store = b.store;
    storeTimeout = b.storeTimeout;
    purgeInterval = b.purgeInterval;
    passwordGrant = b.passwordGrant;
    dpop = b.dpop;
    dpopNonce = b.dpopNonce;
    clock = b.clock;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The address to bind; never blank. */
  public String host() {
    return host;
  }

  /** The port to listen on, 0 to 65535; 0 picks a free one. */
  public int port() {
    return port;
  }

  /** The lifetime of an access token; positive. */
  public Duration accessTtl() {
    return accessTtl;
  }

  /** The absolute lifetime of a refresh token family; positive. */
  public Duration refreshTtl() {
    return refreshTtl;
  }

  public CaptchaMode captcha() {
    return captcha;
  }

  /** The status of a call with an expired access token: 401 or 419. */
  public int expiredStatus() {
    return expiredStatus;
  }

  /** How long a just-rotated refresh token may be presented again; zero or more. */
  public Duration rotationGrace() {
    return rotationGrace;
  }

  /** Each user's password by name, in the order given; never empty, unmodifiable. */
  public Map<String, String> users() {
    return users;
  }

  /** The origins allowed to call with credentials; unmodifiable. */
  public List<String> corsOrigins() {
    return corsOrigins;
  }

  public SecureCookie secureCookie() {
    return secureCookie;
  }

  /** A copy of the access tokens' HMAC key: at least {@link #MIN_SECRET_BYTES} bytes. */
  public byte[] accessSecret() {
    return accessSecret.clone();
  }

  /** A copy of the refresh tokens' HMAC key, different from {@link #accessSecret()}. */
  public byte[] refreshSecret() {
    return refreshSecret.clone();
  }

  /**
   * True if both secrets were drawn at random by {@link Builder#build()}: they end with the run.
   */
  public boolean secretsGenerated() {
    return secretsGenerated;
  }

  public int passwordIterations() {
    return passwordIterations;
  }

  public int maxFailuresPerAccount() {
    return maxFailuresPerAccount;
  }

  public int maxFailuresPerIp() {
    return maxFailuresPerIp;
  }

  /**
   * Wrong captchas allowed per client address in a throttle window (100), counted apart from wrong
   * passwords: they never spend the password budget.
   */
  public int maxCaptchaFailuresPerIp() {
    return maxCaptchaFailuresPerIp;
  }

  /**
   * The proxies whose {@code X-Forwarded-For} is believed ({@code --trusted-proxy}), as CIDR
   * blocks; empty by default: the client is the socket's peer. See {@link ClientAddress}.
   */
  public List<String> trustedProxies() {
    return trustedProxies;
  }

  public Duration throttleWindow() {
    return throttleWindow;
  }

  /**
   * The worker threads that run requests ({@code --threads}, 16); see {@link DemoServer#start()}.
   */
  public int threads() {
    return threads;
  }

  /**
   * The threads that read requests from clients ({@code --read-threads}, 64): a slow client holds
   * one of them while it sends its request; see {@link DemoServer#start()}.
   */
  public int readThreads() {
    return readThreads;
  }

  /**
   * How many read requests may wait for a worker (1024); a request beyond them is answered 503
   * {@code server_busy} at once.
   */
  public int queuedRequests() {
    return queuedRequests;
  }

  public StoreSpec store() {
    return store;
  }

  /**
   * How long one write to a database store may take in all ({@code --store-timeout}, 10 s): the
   * wait for a connection, for this process's turn (SQLite) and for the database's lock, after
   * which the request is answered 503 {@code store_unavailable}.
   */
  public Duration storeTimeout() {
    return storeTimeout;
  }

  /** How often expired and revoked sessions are deleted; zero never. */
  public Duration purgeInterval() {
    return purgeInterval;
  }

  /**
   * Whether {@code POST /oauth/token} takes {@code grant_type=password} ({@code --password-grant
   * on}); off by default. A demo convenience: OAuth 2.1 drops the grant.
   */
  public boolean passwordGrant() {
    return passwordGrant;
  }

  /** DPoP at the OAuth2 endpoints and the resources ({@code --dpop}); off by default. */
  public DpopMode dpop() {
    return dpop;
  }

  /**
   * Whether DPoP proofs must carry the server's nonce ({@code --dpop-nonce on}); off by default,
   * only with DPoP on.
   */
  public boolean dpopNonce() {
    return dpopNonce;
  }

  public Clock clock() {
    return clock;
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
        + ", trustedProxies="
        + trustedProxies
        + ", secureCookie="
        + secureCookie
        + ", secrets="
        + (secretsGenerated ? "random" : "from environment")
        + ", threads="
        + threads
        + ", readThreads="
        + readThreads
        + ", passwordIterations="
        + passwordIterations
        + ", store="
        + store
        + ", storeTimeout="
        + storeTimeout
        + ", purgeInterval="
        + purgeInterval
        + ", passwordGrant="
        + passwordGrant
        + ", dpop="
        + dpop
        + ", dpopNonce="
        + dpopNonce
        + "]";
  }

  private static byte[] randomSecret(SecureRandom random) {
    var secret = new byte[MIN_SECRET_BYTES];
    random.nextBytes(secret);
    return secret;
  }

  /** The rule for {@code --port}, also used by the parser for a value that is not a number. */
  static ConfigException badPort(String value) {
    return new ConfigException("Flag --port needs a number from 0 to 65535, got '" + value + "'.");
  }

  /** The rule for a count of threads, also used by the parser for a value that is not a number. */
  static ConfigException badCount(String flag, String value) {
    return new ConfigException(
        "Flag --" + flag + " needs a number of at least 1, got '" + value + "'.");
  }

  /** The rule for {@code --expired-status}, also used by the parser for a non-number. */
  static ConfigException badExpiredStatus(String value) {
    return new ConfigException("Flag --expired-status must be 401 or 419, got '" + value + "'.");
  }

  /**
   * Builds a {@link DemoConfig}; defaults match the command line's. Setters only record values:
   * {@link #build()} checks them all. Not thread-safe.
   */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8080;
    private Duration accessTtl = Duration.ofMinutes(15);
    private Duration refreshTtl = Duration.ofDays(15);
    private CaptchaMode captcha = CaptchaMode.ON;
    private int expiredStatus = 401;
    private Duration rotationGrace = Duration.ZERO;
    private final Map<String, String> users = new LinkedHashMap<>();
    private final List<String> corsOrigins = new ArrayList<>();
    private SecureCookie secureCookie = SecureCookie.AUTO;
    private byte[] accessSecret;
    private byte[] refreshSecret;
    private int passwordIterations = DEFAULT_PASSWORD_ITERATIONS;
    private int maxFailuresPerAccount = 5;
    private int maxFailuresPerIp = 20;
    private int maxCaptchaFailuresPerIp = 100;
    private final List<String> trustedProxies = new ArrayList<>();
    private Duration throttleWindow = Duration.ofMinutes(15);
    private int threads = 16;
    private int readThreads = 64;
    private int queuedRequests = 1024;
    private StoreSpec store = StoreSpec.MEMORY;
    private Duration storeTimeout = Duration.ofSeconds(10);
    private Duration purgeInterval = Duration.ofMinutes(10);
    private boolean passwordGrant;
    private DpopMode dpop = DpopMode.OFF;
    private boolean dpopNonce;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host == null");
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder accessTtl(Duration accessTtl) {
      this.accessTtl = Objects.requireNonNull(accessTtl, "accessTtl == null");
      return this;
    }

    public Builder refreshTtl(Duration refreshTtl) {
      this.refreshTtl = Objects.requireNonNull(refreshTtl, "refreshTtl == null");
      return this;
    }

    public Builder captcha(CaptchaMode captcha) {
      this.captcha = Objects.requireNonNull(captcha, "captcha == null");
      return this;
    }

    public Builder expiredStatus(int expiredStatus) {
      this.expiredStatus = expiredStatus;
      return this;
    }

    public Builder rotationGrace(Duration rotationGrace) {
      this.rotationGrace = Objects.requireNonNull(rotationGrace, "rotationGrace == null");
      return this;
    }

    /** Adds a user; the first call replaces the built-in demo user. */
    public Builder user(String name, String password) {
      users.put(
          Objects.requireNonNull(name, "name == null"),
          Objects.requireNonNull(password, "password == null"));
      return this;
    }

    /** Adds an origin such as {@code http://localhost:5173} (scheme, host, port; no path). */
    public Builder corsOrigin(String origin) {
      corsOrigins.add(Objects.requireNonNull(origin, "origin == null"));
      return this;
    }

    public Builder secureCookie(SecureCookie secureCookie) {
      this.secureCookie = Objects.requireNonNull(secureCookie, "secureCookie == null");
      return this;
    }

    /** Sets both HMAC secrets; without this call, {@link #build()} draws random ones. */
    public Builder secrets(byte[] accessSecret, byte[] refreshSecret) {
      this.accessSecret = Objects.requireNonNull(accessSecret, "accessSecret == null").clone();
      this.refreshSecret = Objects.requireNonNull(refreshSecret, "refreshSecret == null").clone();
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

    public Builder maxCaptchaFailuresPerIp(int maxCaptchaFailuresPerIp) {
      this.maxCaptchaFailuresPerIp = maxCaptchaFailuresPerIp;
      return this;
    }

    /**
     * Adds a proxy whose {@code X-Forwarded-For} is believed: a CIDR block such as {@code
     * 10.0.0.0/8} or {@code ::1/128}, or one address.
     */
    public Builder trustedProxy(String cidr) {
      trustedProxies.add(Objects.requireNonNull(cidr, "cidr == null").strip());
      return this;
    }

    public Builder throttleWindow(Duration throttleWindow) {
      this.throttleWindow = Objects.requireNonNull(throttleWindow, "throttleWindow == null");
      return this;
    }

    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    public Builder queuedRequests(int queuedRequests) {
      this.queuedRequests = queuedRequests;
      return this;
    }

    public Builder readThreads(int readThreads) {
      this.readThreads = readThreads;
      return this;
    }

    /** Where sessions live; {@link StoreSpec#MEMORY} by default. */
    public Builder store(StoreSpec store) {
      this.store = Objects.requireNonNull(store, "store == null");
      return this;
    }

    /** The deadline of one write to a database store (10 s). */
    public Builder storeTimeout(Duration storeTimeout) {
      this.storeTimeout = Objects.requireNonNull(storeTimeout, "storeTimeout == null");
      return this;
    }

    /** How often expired and revoked sessions are deleted (10 minutes); zero never. */
    public Builder purgeInterval(Duration purgeInterval) {
      this.purgeInterval = Objects.requireNonNull(purgeInterval, "purgeInterval == null");
      return this;
    }

    /** Enables {@code grant_type=password} at {@code POST /oauth/token}; off by default. */
    public Builder passwordGrant(boolean passwordGrant) {
      this.passwordGrant = passwordGrant;
      return this;
    }

    /** DPoP mode ({@code --dpop}); {@link DpopMode#OFF} by default. */
    public Builder dpop(DpopMode dpop) {
      this.dpop = Objects.requireNonNull(dpop, "dpop == null");
      return this;
    }

    /** Requires DPoP nonces ({@code --dpop-nonce on}); needs a DPoP mode other than off. */
    public Builder dpopNonce(boolean dpopNonce) {
      this.dpopNonce = dpopNonce;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * Checks every rule and returns the configuration; draws random secrets if none were set.
     *
     * @throws ConfigException for the first broken rule, naming its flag or variable
     */
    public DemoConfig build() {
      if (host.isBlank()) throw new ConfigException("Flag --host needs a non-empty value.");
      if (port < 0 || port > 65_535) throw badPort(String.valueOf(port));
      requirePositive("access-ttl", accessTtl);
      requirePositive("refresh-ttl", refreshTtl);
      requirePositive("store-timeout", storeTimeout);
      if (rotationGrace.isNegative()) {
        throw new ConfigException("Flag --rotation-grace must not be negative.");
      }
      if (expiredStatus != 401 && expiredStatus != 419) {
        throw badExpiredStatus(String.valueOf(expiredStatus));
      }
      for (var user : users.entrySet()) {
        if (user.getKey().isEmpty() || user.getValue().isEmpty()) {
          throw new ConfigException("Flag --user must look like name:password.");
        }
      }
      for (var origin : corsOrigins) {
        if (!ORIGIN.matcher(origin).matches()) {
          throw new ConfigException(
              "Flag --cors-origin needs an origin like http://localhost:5173 (scheme://host[:port],"
                  + " no path), got '"
                  + origin
                  + "'.");
        }
      }
      if (accessSecret != null) {
        if (accessSecret.length < MIN_SECRET_BYTES) {
          throw new ConfigException("JWT_SECRET must be at least 32 bytes long.");
        }
        if (refreshSecret.length < MIN_SECRET_BYTES) {
          throw new ConfigException("JWT_REFRESH_SECRET must be at least 32 bytes long.");
        }
        if (Arrays.equals(accessSecret, refreshSecret)) {
          throw new ConfigException("JWT_SECRET and JWT_REFRESH_SECRET must be different.");
        }
      }
      requireAtLeastOne("passwordIterations", passwordIterations);
      requireAtLeastOne("maxFailuresPerAccount", maxFailuresPerAccount);
      requireAtLeastOne("maxFailuresPerIp", maxFailuresPerIp);
      requireAtLeastOne("maxCaptchaFailuresPerIp", maxCaptchaFailuresPerIp);
      requireAtLeastOne("queuedRequests", queuedRequests);
      for (var cidr : trustedProxies) {
        var problem = ClientAddress.problem(cidr);
        if (problem != null) {
          throw new ConfigException(
              "Flag --trusted-proxy needs a CIDR block like 10.0.0.0/8 or an address, got '"
                  + cidr
                  + "': "
                  + problem
                  + ".");
        }
      }
      if (threads < 1) throw badCount("threads", String.valueOf(threads));
      if (readThreads < 1) throw badCount("read-threads", String.valueOf(readThreads));
      if (throttleWindow.isNegative() || throttleWindow.isZero()) {
        throw new ConfigException("throttleWindow must be longer than zero.");
      }
      if (dpopNonce && dpop == DpopMode.OFF) {
        throw new ConfigException("Flag --dpop-nonce on needs --dpop optional or required.");
      }
      if (purgeInterval.isNegative()) {
        throw new ConfigException("purgeInterval must not be negative.");
      }
      return new DemoConfig(this);
    }

    private static void requirePositive(String flag, Duration duration) {
      if (duration.isNegative() || duration.isZero()) {
        throw new ConfigException("Flag --" + flag + " must be longer than zero.");
      }
    }

    private static void requireAtLeastOne(String setting, int value) {
      if (value < 1) throw new ConfigException(setting + " must be at least 1, got " + value + ".");
    }
  }
}
