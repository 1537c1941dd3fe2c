package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * The demo backend on the JDK's {@code com.sun.net.httpserver}: routing only, the rules live in the
 * services it wires together. Usable in-process: {@code new DemoServer(config).start()}, then
 * {@link #baseUrl()}, then {@link #stop()}. While it runs, a daemon thread purges expired and
 * revoked sessions every {@link DemoConfig#purgeInterval()}. A program that runs one in-process
 * calls {@link Main#applySystemProperties()} first, as {@link Main} does.
 *
 * <p>Not thread-safe for start and stop; request handling is.
 */
public final class DemoServer implements AutoCloseable {
  /** The error of a 503 when the session store cannot be reached in time. */
  static final String STORE_UNAVAILABLE = "store_unavailable";

  private final DemoConfig config;
  private final SessionStore sessions;
  private final Metrics metrics;
  private final OriginPolicy origins;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final boolean ownsSessions;
  private HttpServer server;
  private ExecutorService executor;
  private ScheduledExecutorService purger;

  @FunctionalInterface
  private interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  /** The JSON body of an error answer. */
  @FunctionalInterface
  private interface ErrorBody {
    Object of(ApiException e);

    ErrorBody ENVELOPE = e -> Http.error(e.status(), e.error(), e.getMessage());
  }

  /**
   * @param name a fixed label for metrics
   * @param methods the allowed methods, besides OPTIONS
   * @param checkOrigin whether a present, foreign Origin is refused (cookie endpoints)
   * @param errors how its errors are written, including those raised before its handler
   */
  private record Route(
      String name, Set<String> methods, boolean checkOrigin, Handler handler, ErrorBody errors) {
    String allow() {
      return String.join(", ", methods);
    }
  }

  /**
   * A server on the store {@link DemoConfig#store()} names, which it opens now and closes on {@link
   * #stop()}.
   *
   * @throws SessionStoreException when that store cannot be opened
   */
  public DemoServer(DemoConfig config) {
    this(config, UnaryOperator.identity());
  }

  /**
   * As {@link #DemoServer(DemoConfig)}, checking passwords with {@code verifiers.apply(real
   * check)}.
   */
  DemoServer(DemoConfig config, UnaryOperator<UserDirectory.Verifier> verifiers) {
    this(config, SessionStore.open(config.store()), true, verifiers);
  }

  /** A server on {@code sessions}, which stays open after {@link #stop()}: the caller owns it. */
  public DemoServer(DemoConfig config, SessionStore sessions) {
    this(config, sessions, false, UnaryOperator.identity());
  }

  private DemoServer(
      DemoConfig config,
      SessionStore sessions,
      boolean ownsSessions,
      UnaryOperator<UserDirectory.Verifier> verifiers) {
    this.config = Objects.requireNonNull(config, "config == null");
    this.sessions = Objects.requireNonNull(sessions, "sessions == null");
    this.ownsSessions = ownsSessions;
    var clock = config.clock();
    var tokens = new TokenService(config.accessSecret(), config.refreshSecret(), clock);
    var hasher = new PasswordHasher(config.passwordIterations());
    var users = new UserDirectory(config.users(), hasher, verifiers.apply(hasher::verify));
    var throttle =
        new LoginThrottle(
            config.maxFailuresPerAccount(),
            config.maxFailuresPerIp(),
            config.throttleWindow(),
            clock);
    this.metrics = new Metrics(() -> sessions.activeCount(clock.instant()));
    this.origins = new OriginPolicy(config.corsOrigins());
    var bearer = new BearerAuth(tokens, sessions, clock, config.expiredStatus());
    var captchas = new CaptchaService(clock);
    var grants = new Grants(config, tokens, sessions, users, throttle, captchas, metrics);
    var auth = new AuthEndpoints(config, tokens, sessions, captchas, grants, bearer, metrics);
    var token = new TokenEndpoint(config, grants, metrics);
    var api = new ApiEndpoints(bearer);

    route("/healthz", "healthz", "GET", false, this::healthz);
    route("/metrics", "metrics", "GET", false, this::metrics);
    route("/auth/captcha", "captcha", "GET", false, auth::captcha);
    route("/auth/login", "login", "POST", true, auth::login);
    route("/auth/refresh", "refresh", "POST", true, auth::refresh);
    route("/auth/logout", "logout", "POST", true, auth::logout);
    // No cookies: no Origin check. RFC 6749 §5.2 error bodies, also for the checks before it.
    routes.put(
        TokenEndpoint.PATH,
        new Route("oauth_token", Set.of("POST"), false, token::token, TokenEndpoint::errorBody));
    route("/api/me", "me", "GET", false, api::me);
    route("/api/notes", "notes", "GET", false, api::notes);
  }

  private void route(String path, String name, String method, boolean origin, Handler handler) {
    routes.put(path, new Route(name, Set.of(method), origin, handler, ErrorBody.ENVELOPE));
  }

  /** Binds and starts serving. Returns this. */
  public DemoServer start() throws IOException {
    if (server != null) throw new IllegalStateException("Already started.");
    var address = new InetSocketAddress(config.host(), config.port());
    var http = HttpServer.create(address, 128);
    var threadIds = new AtomicInteger();
    var pool =
        new ThreadPoolExecutor(
            config.threads(),
            config.threads(),
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1024),
            r -> {
              var t = new Thread(r, "tokenpair-http-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.CallerRunsPolicy());
    http.setExecutor(pool);
    http.createContext("/", this::handle);
    http.start();
    this.server = http;
    this.executor = pool;
    schedulePurge();
    return this;
  }

  private void schedulePurge() {
    var interval = config.purgeInterval().toMillis();
    if (interval <= 0) return;
    purger =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              var t = new Thread(r, "tokenpair-purge");
              t.setDaemon(true);
              return t;
            });
    purger.scheduleWithFixedDelay(this::purge, interval, interval, TimeUnit.MILLISECONDS);
  }

  /** One purge; a failure is reported and the next run tries again. */
  private void purge() {
    try {
      sessions.purge(config.clock().instant());
    } catch (RuntimeException e) {
      var why = e instanceof SessionStoreException s ? describe(s) : e.getClass().getName();
      System.err.println("demo-server: session purge failed: " + why);
    }
  }

  /**
   * Stops serving at once, releases the port, stops the purge and closes the session store this
   * server opened. Safe to call twice.
   */
  public void stop() {
    if (server == null) return;
    server.stop(0);
    executor.shutdownNow();
    server = null;
    if (purger != null) {
      purger.shutdownNow();
      try {
        purger.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (ownsSessions) sessions.close();
  }

  @Override
  public void close() {
    stop();
  }

  /** The bound port; the real one when the config asked for port 0. */
  public int port() {
    if (server == null) throw new IllegalStateException("Not started.");
    return server.getAddress().getPort();
  }

  /** For example {@code http://127.0.0.1:8080}, without a trailing slash. */
  public String baseUrl() {
    if (server == null) throw new IllegalStateException("Not started.");
    var address = server.getAddress().getAddress();
    var host =
        address instanceof Inet6Address
            ? "[" + address.getHostAddress() + "]"
            : address.getHostAddress();
    return "http://" + host + ":" + port();
  }

  public DemoConfig config() {
    return config;
  }

  SessionStore sessions() {
    return sessions;
  }

  Metrics metrics() {
    return metrics;
  }

  /** The purge scheduler while started with a positive interval, else null. */
  ScheduledExecutorService purger() {
    return purger;
  }

  private void handle(HttpExchange ex) {
    long start = System.nanoTime();
    var route = routes.get(ex.getRequestURI().getRawPath());
    var routeName = route == null ? "other" : route.name();
    var errors = route == null ? ErrorBody.ENVELOPE : route.errors();
    var observed = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable observe =
        () -> {
          if (observed.compareAndSet(false, true)) {
            metrics.observe(routeName, System.nanoTime() - start);
          }
        };
    ex.setAttribute(Http.BEFORE_ANSWER, observe);
    try {
      dispatch(ex, route);
    } catch (ApiException e) {
      sendError(ex, errors, e);
    } catch (SessionStoreException e) {
      // The database is down or too busy: transient, the client retries.
      System.err.println(
          "demo-server: session store unavailable on " + routeName + ": " + describe(e));
      sendError(
          ex,
          errors,
          new ApiException(503, STORE_UNAVAILABLE, "Sessions are unavailable. Try again.")
              .header("Retry-After", "1"));
    } catch (RuntimeException | IOException e) {
      // Never a stack trace to the client; the type only, no message, to stderr.
      System.err.println("demo-server: internal error on " + routeName + ": " + e.getClass());
      sendError(ex, errors, new ApiException(500, "internal_error", "Internal error."));
    } finally {
      observe.run(); // Already run when an answer was sent: once per request.
      ex.close();
    }
  }

  private void dispatch(HttpExchange ex, Route route) throws IOException {
    if (route == null) throw new ApiException(404, "not_found", "No such endpoint.");
    var path = ex.getRequestURI().getRawPath();
    var headers = ex.getResponseHeaders();
    if (path.startsWith("/auth/") || path.startsWith("/api/") || path.startsWith("/oauth/")) {
      headers.set("Cache-Control", "no-store");
      origins.decorate(ex);
    }
    if (path.startsWith("/oauth/")) headers.set("Pragma", "no-cache"); // RFC 6749 §5.1
    var method = ex.getRequestMethod();
    if (method.equals("OPTIONS")) {
      origins.preflight(ex, route.allow() + ", OPTIONS");
      Http.sendEmpty(ex, 204);
      return;
    }
    if (!route.methods().contains(method)) {
      throw new ApiException(405, "method_not_allowed", "Use " + route.allow() + ".")
          .header("Allow", route.allow());
    }
    if (route.checkOrigin()) origins.requireAllowedOrPresentless(ex);
    Http.checkDeclaredLength(ex);
    route.handler().handle(ex);
  }

  private void healthz(HttpExchange ex) throws IOException {
    Http.sendJson(ex, 200, Http.success(Map.of("status", "up")));
  }

  private void metrics(HttpExchange ex) throws IOException {
    Http.sendText(ex, 200, Metrics.CONTENT_TYPE, metrics.render());
  }

  /** The failure's type and SQLState, never its message (it may name the database). */
  static String describe(SessionStoreException e) {
    var cause = e.getCause() == null ? e : e.getCause();
    var state = cause instanceof SQLException sql ? " (SQLState " + sql.getSQLState() + ")" : "";
    return cause.getClass().getName() + state;
  }

  private static void sendError(HttpExchange ex, ErrorBody errors, ApiException e) {
    try {
      e.headers().forEach((name, value) -> ex.getResponseHeaders().set(name, value));
      Http.sendJson(ex, e.status(), errors.of(e));
    } catch (IOException | RuntimeException ignored) {
      // the response was already started or the client went away
    }
  }
}
