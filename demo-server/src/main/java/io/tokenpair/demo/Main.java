package io.tokenpair.demo;

import io.tokenpair.demo.DemoConfig.CaptchaMode;
import io.tokenpair.demo.DemoConfig.SecureCookie;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar demo-server.jar [flags]}: parses the configuration, starts the server, and
 * prints its URL, the user, a curl example and a WARNING for each demo convenience in effect. Exit
 * code 2 for bad flags, 1 when the server cannot start. Never prints tokens, secrets or
 * user-supplied passwords.
 */
public final class Main {
  /** The JDK server's limit, in seconds, on the time a client may take to send its request. */
  static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";

  static final int MAX_REQUEST_SECONDS = 15;

  private Main() {}

  public static void main(String[] args) {
    applySystemProperties();
    int code = run(args, System.getenv(), System.out, System.err);
    if (code != 0) System.exit(code);
  }

  /**
   * Sets the JVM-wide system properties a {@link DemoServer} relies on. Call it once, before the
   * first server starts, in every program that runs one: {@link #main} does.
   *
   * <ul>
   *   <li>{@code sun.net.httpserver.nodelay=true}: the JDK's HTTP server leaves Nagle's algorithm
   *       on, and keep-alive calls would stall about 40 ms each on Nagle plus delayed ACK.
   *   <li>{@code java.awt.headless=true}, unless set otherwise: captcha images are drawn without a
   *       display.
   *   <li>{@code sun.net.httpserver.maxReqTime=}{@value #MAX_REQUEST_SECONDS}, unless set
   *       otherwise: the JDK's server closes a connection that has not sent its whole request
   *       (line, headers and body) that many seconds after its first byte, so a slow client holds a
   *       reader thread for at most that long. Above the session store's 10-second deadline, though
   *       a request waits for the store only once it has been read.
   * </ul>
   *
   * <p>The JDK reads these once, when its first HTTP server is created: later changes have no
   * effect in that JVM.
   */
  public static void applySystemProperties() {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    if (System.getProperty(MAX_REQUEST_TIME) == null) {
      System.setProperty(MAX_REQUEST_TIME, String.valueOf(MAX_REQUEST_SECONDS));
    }
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** Starts the server and returns 0, or returns the exit code of a failure after explaining it. */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    DemoConfig config;
    try {
      config = ConfigParser.parse(args, env).build();
    } catch (ConfigParser.HelpRequested e) {
      out.print(ConfigParser.USAGE);
      return 0;
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("demo-server: " + e.getMessage());
      err.println("Run with --help to list the flags.");
      return 2;
    }
    DemoServer server;
    try {
      server = new DemoServer(config);
    } catch (SessionStoreException e) {
      err.println(
          "demo-server: cannot open the session store "
              + config.store()
              + ": "
              + DemoServer.describe(e)
              + (e.getCause() == null
                  ? ""
                  : " " + StoreSpec.mask(String.valueOf(e.getCause().getMessage()))));
      return 1;
    }
    try {
      server.start();
    } catch (IOException e) {
      err.println(
          "demo-server: cannot listen on "
              + config.host()
              + ":"
              + config.port()
              + ": "
              + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "tokenpair-shutdown"));
    banner(config, server.baseUrl()).forEach(out::println);
    out.flush();
    return 0;
  }

  /** The startup lines: the URL first, then the users, a curl example, then the warnings. */
  static List<String> banner(DemoConfig config, String baseUrl) {
    var lines = new ArrayList<String>();
    lines.add("tokenpair demo-server listening on " + baseUrl);
    var builtIn =
        config.users().size() == 1
            && DemoConfig.DEFAULT_PASSWORD.equals(config.users().get(DemoConfig.DEFAULT_USER));
    var user = config.users().keySet().iterator().next();
    var password = builtIn ? DemoConfig.DEFAULT_PASSWORD : "<password>";
    lines.add(
        builtIn
            ? "user: demo / demo-password (the built-in demo user; set your own with --user)"
            : "users: " + String.join(", ", config.users().keySet()));

    var captchaFields =
        switch (config.captcha()) {
          case OFF -> "";
          case REVEAL, ON -> ",\"captcha_id\":\"<captcha_id>\",\"captcha\":\"<answer>\"";
        };
    lines.add("try:");
    if (config.captcha() != CaptchaMode.OFF) {
      lines.add(
          "  curl -s "
              + baseUrl
              + "/auth/captcha"
              + (config.captcha() == CaptchaMode.REVEAL
                  ? "    # note captcha_id and answer"
                  : "    # note captcha_id, read the image"));
    }
    lines.add(
        "  curl -s -c jar.txt -H 'Content-Type: application/json' -d '{\"username\":\""
            + user
            + "\",\"password\":\""
            + password
            + "\""
            + captchaFields
            + "}' "
            + baseUrl
            + "/auth/login");
    lines.add("  curl -s -H 'Authorization: Bearer <access_token>' " + baseUrl + "/api/me");
    lines.add("  curl -s -b jar.txt -c jar.txt -X POST " + baseUrl + "/auth/refresh");
    lines.add("  curl -s -b jar.txt -c jar.txt -X POST " + baseUrl + "/auth/logout");
    if (config.passwordGrant()) {
      var captchaParams =
          config.captcha() == CaptchaMode.OFF
              ? ""
              : " -d captcha_id=<captcha_id> -d captcha=<answer>";
      lines.add(
          "  curl -s -d grant_type=password -d username="
              + user
              + " -d password="
              + password
              + captchaParams
              + " "
              + baseUrl
              + TokenEndpoint.PATH);
      lines.add(
          "  curl -s -d grant_type=refresh_token -d refresh_token=<refresh_token> "
              + baseUrl
              + TokenEndpoint.PATH);
    }
    lines.add(storeLine(config.store()));

    if (config.secretsGenerated()) {
      lines.add(
          "WARNING: random JWT secrets for this run only; tokens die with the process. Set"
              + " JWT_SECRET and JWT_REFRESH_SECRET (32+ bytes each, different) to keep them.");
    }
    if (config.captcha() == CaptchaMode.REVEAL) {
      lines.add("WARNING: --captcha reveal: GET /auth/captcha returns the answer. For demos only.");
    } else if (config.captcha() == CaptchaMode.OFF) {
      lines.add("WARNING: --captcha off: logins need no captcha. For demos only.");
    }
    if (config.secureCookie() == SecureCookie.FALSE) {
      lines.add("WARNING: --secure-cookie false: the rt cookie is never Secure.");
    } else if (config.secureCookie() == SecureCookie.AUTO) {
      lines.add(
          "WARNING: this server speaks plain http: the rt cookie is Secure only behind a TLS proxy"
              + " that sends X-Forwarded-Proto: https.");
    }
    if (config.passwordGrant()) {
      lines.add(
          "WARNING: --password-grant on: POST /oauth/token takes grant_type=password, which OAuth"
              + " 2.1 drops. For demos only.");
    }
    if (config.passwordIterations() < DemoConfig.DEFAULT_PASSWORD_ITERATIONS) {
      lines.add(
          "WARNING: PBKDF2 with "
              + config.passwordIterations()
              + " iterations, fewer than OWASP's 600000.");
    }
    return lines;
  }

  /** Which session store is in use; a password in its URL is masked. */
  static String storeLine(StoreSpec store) {
    return switch (store.kind()) {
      case MEMORY -> "sessions: in memory, lost on restart (--store sqlite:PATH keeps them)";
      case SQLITE -> "sessions: " + store + " (durable, this machine)";
      case POSTGRESQL -> "sessions: " + store + " (durable, shared by instances)";
    };
  }
}
