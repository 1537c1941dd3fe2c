package io.tokenpair.demo;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import io.tokenpair.demo.DemoConfig.SecureCookie;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns command-line flags and environment variables into a {@link DemoConfig.Builder}. Every flag
 * {@code --some-name} can also be given as the environment variable {@code TOKENPAIR_SOME_NAME}; a
 * flag wins over its variable. Repeatable flags take a comma-separated list in their variable. The
 * HMAC secrets come only from {@code JWT_SECRET} and {@code JWT_REFRESH_SECRET}.
 *
 * <p>This class checks the syntax only (a number, a duration, one of the allowed words, both
 * secrets or neither); {@link DemoConfig.Builder#build()} checks the rules (ranges, lengths, an
 * origin's form). Both throw {@link ConfigException}, never exit the JVM: {@link Main} turns it
 * into exit code 2. This class is thread-safe.
 */
public final class ConfigParser {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  static final String USAGE =
      """
      Usage: java -jar demo-server.jar [flags]
      (the scripted client-sdk walkthrough is a jar of its own: java -jar walkthrough.jar)

        --port N                 port to listen on (8080; 0 picks a free one)
        --host H                 address to bind (127.0.0.1)
        --access-ttl D           access token lifetime (15m)
        --refresh-ttl D          refresh token family lifetime (15d)
        --captcha on|reveal|off  captcha on login (on); reveal puts the answer in the response
        --expired-status N       status for an expired access token: 401 or 419 (401)
        --rotation-grace D       window in which a just-rotated refresh token may be retried (0s)
        --user NAME:PASSWORD     a user, repeatable (demo:demo-password)
        --cors-origin ORIGIN     an origin allowed to call with credentials, repeatable
        --trusted-proxy CIDR     a proxy (10.0.0.0/8, or one address) whose X-Forwarded-For
                                 names the client for throttling, repeatable or comma-separated;
                                 without it the client is the socket's peer
        --secure-cookie auto|true|false
                                 Secure attribute on the rt cookie (auto: when over TLS or
                                 X-Forwarded-Proto: https)
        --password-grant on|off  grant_type=password at POST /oauth/token (off); a demo
                                 convenience (OAuth 2.1 drops it), the captcha still applies
        --dpop off|optional|required
                                 DPoP (RFC 9449) at /oauth/token, /oauth/revoke and /api/* (off):
                                 optional binds the tokens of a grant sent with a proof to its
                                 key, required refuses grants without one; bound tokens are used
                                 as Authorization: DPoP with a proof; cookie logins stay Bearer
        --dpop-nonce on|off      DPoP proofs must carry the server's nonce (off), replaced every
                                 5 minutes; needs --dpop optional or required
        --store memory|sqlite:PATH|jdbc:postgresql://HOST[:PORT]/DB?user=U&password=P
                                 where sessions live (memory: they end with the process);
                                 sqlite:PATH survives restarts, PostgreSQL is shared by several
                                 instances. Prefer TOKENPAIR_STORE for a URL with a password.
        --store-timeout D        deadline of one write to a database store, waits for its locks
                                 included (10s); then 503 store_unavailable
        --threads N              worker threads that run requests (16); up to 1024 requests
                                 wait for one, beyond them a request gets 503 server_busy
        --read-threads N         threads that read requests from clients (64): a slow client
                                 holds one, never a worker
        --help                   print this help

      Durations: 500ms, 3s, 15m, 2h, 15d. Every flag also reads TOKENPAIR_<NAME>, for example
      TOKENPAIR_ACCESS_TTL=30s (repeatable flags: comma-separated). Secrets: JWT_SECRET and
      JWT_REFRESH_SECRET, at least 32 bytes each and different; random per start when both are unset.
      """;

  private static final List<String> FLAGS =
      List.of(
          "port",
          "host",
          "access-ttl",
          "refresh-ttl",
          "captcha",
          "expired-status",
          "rotation-grace",
          "user",
          "cors-origin",
          "trusted-proxy",
          "secure-cookie",
          "password-grant",
          "dpop",
          "dpop-nonce",
          "store",
          "store-timeout",
          "threads",
          "read-threads");
  private static final List<String> REPEATABLE = List.of("user", "cors-origin", "trusted-proxy");

  private enum OnOff {
    ON,
    OFF
  }

  private ConfigParser() {}

  /** Thrown for {@code --help}: not an error, the caller prints {@link #USAGE} and exits 0. */
  public static final class HelpRequested extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HelpRequested() {
      super("help requested", null, false, false);
    }
  }

  /**
   * Parses {@code args} and {@code env} (usually {@link System#getenv()}) into a builder whose
   * {@link DemoConfig.Builder#build()} checks the rules.
   *
   * @throws ConfigException for bad syntax, with a message naming the flag or variable
   * @throws HelpRequested for {@code --help} or {@code -h}
   */
  public static DemoConfig.Builder parse(String[] args, Map<String, String> env) {
    var values = new LinkedHashMap<String, List<String>>();
    for (var flag : FLAGS) {
      var variable = envName(flag);
      var value = env.get(variable);
      if (value == null) continue;
      var list = new ArrayList<String>();
      if (REPEATABLE.contains(flag)) {
        for (var part : value.split(",")) {
          if (!part.isBlank()) list.add(part.strip());
        }
      } else {
        list.add(value.strip());
      }
      values.put(flag, list);
    }

    var fromFlags = new LinkedHashMap<String, List<String>>();
    for (int i = 0; i < args.length; i++) {
      var arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) throw new HelpRequested();
      if (!arg.startsWith("--")) {
        throw new ConfigException("Unexpected argument '" + arg + "'. Flags start with --.");
      }
      String name;
      String value;
      var eq = arg.indexOf('=');
      if (eq >= 0) {
        name = arg.substring(2, eq);
        value = arg.substring(eq + 1);
      } else {
        name = arg.substring(2);
        if (!FLAGS.contains(name)) throw unknownFlag(name);
        if (i + 1 >= args.length) {
          throw new ConfigException("Flag --" + name + " needs a value.");
        }
        value = args[++i];
      }
      if (!FLAGS.contains(name)) throw unknownFlag(name);
      var list = fromFlags.computeIfAbsent(name, k -> new ArrayList<>());
      if (!list.isEmpty() && !REPEATABLE.contains(name)) {
        throw new ConfigException("Flag --" + name + " is given more than once.");
      }
      list.add(value);
    }
    values.putAll(fromFlags);

    var b = DemoConfig.builder();
    for (var entry : values.entrySet()) {
      var flag = entry.getKey();
      for (var value : entry.getValue()) apply(b, flag, value);
    }
    applySecrets(b, env);
    return b;
  }

  /** Sets {@code flag} from {@code value}; only the syntax is checked here, the rules by build. */
  private static void apply(DemoConfig.Builder b, String flag, String value) {
    switch (flag) {
      case "port" -> b.port(parseInt(value, DemoConfig::badPort));
      case "host" -> b.host(value);
      case "access-ttl" -> b.accessTtl(parseDuration(flag, value));
      case "refresh-ttl" -> b.refreshTtl(parseDuration(flag, value));
      case "rotation-grace" -> b.rotationGrace(parseDuration(flag, value));
      case "captcha" -> b.captcha(parseEnum(flag, value, CaptchaMode.class));
      case "secure-cookie" -> b.secureCookie(parseEnum(flag, value, SecureCookie.class));
      case "expired-status" -> b.expiredStatus(parseInt(value, DemoConfig::badExpiredStatus));
      case "user" -> {
        // name:password, split at the first colon; a missing part is refused by the rules.
        var colon = value.indexOf(':');
        var name = colon < 0 ? value : value.substring(0, colon);
        b.user(name, colon < 0 ? "" : value.substring(colon + 1));
      }
      case "cors-origin" -> b.corsOrigin(value.strip());
      case "trusted-proxy" -> {
        for (var cidr : value.split(",")) {
          if (!cidr.isBlank()) b.trustedProxy(cidr);
        }
      }
      case "password-grant" -> b.passwordGrant(parseEnum(flag, value, OnOff.class) == OnOff.ON);
      case "dpop" -> b.dpop(parseEnum(flag, value, DemoConfig.DpopMode.class));
      case "dpop-nonce" -> b.dpopNonce(parseEnum(flag, value, OnOff.class) == OnOff.ON);
      case "store" -> b.store(StoreSpec.parse(value));
      case "store-timeout" -> b.storeTimeout(parseDuration(flag, value));
      case "threads" -> b.threads(parseInt(value, v -> DemoConfig.badCount(flag, v)));
      case "read-threads" -> b.readThreads(parseInt(value, v -> DemoConfig.badCount(flag, v)));
      default -> throw unknownFlag(flag);
    }
  }

  /** Both secrets or neither; their length and difference are rules of {@link DemoConfig}. */
  private static void applySecrets(DemoConfig.Builder b, Map<String, String> env) {
    var access = env.get("JWT_SECRET");
    var refresh = env.get("JWT_REFRESH_SECRET");
    if (access == null && refresh == null) return; // random per start, Main warns
    if (access == null || refresh == null) {
      throw new ConfigException(
          "Set both JWT_SECRET and JWT_REFRESH_SECRET, or neither (random secrets per start).");
    }
    b.secrets(access.getBytes(StandardCharsets.UTF_8), refresh.getBytes(StandardCharsets.UTF_8));
  }

  /** Parses {@code 500ms}, {@code 3s}, {@code 15m}, {@code 2h} or {@code 15d}. */
  public static Duration parseDuration(String flag, String value) {
    var m = DURATION.matcher(value.strip());
    if (!m.matches()) {
      throw new ConfigException(
          "Flag --" + flag + " needs a duration like 3s, 15m or 15d, got '" + value + "'.");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> throw new AssertionError(m.group(2));
    };
  }

  private static int parseInt(String value, Function<String, ConfigException> notANumber) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw notANumber.apply(value);
    }
  }

  private static <E extends Enum<E>> E parseEnum(String flag, String value, Class<E> type) {
    for (var constant : type.getEnumConstants()) {
      if (constant.name().toLowerCase(Locale.ROOT).equals(value.strip())) return constant;
    }
    var allowed = new ArrayList<String>();
    for (var constant : type.getEnumConstants()) {
      allowed.add(constant.name().toLowerCase(Locale.ROOT));
    }
    throw new ConfigException(
        "Flag --"
            + flag
            + " must be one of "
            + String.join("|", allowed)
            + ", got '"
            + value
            + "'.");
  }

  private static ConfigException unknownFlag(String name) {
    return new ConfigException("Unknown flag --" + name + ". Run with --help to list the flags.");
  }

  static String envName(String flag) {
    return "TOKENPAIR_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
