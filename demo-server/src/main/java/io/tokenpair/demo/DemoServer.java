package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

  /** Connections that may wait for a reader thread; beyond them a connection is closed. */
  static final int QUEUED_CONNECTIONS = 1024;

  private final DemoConfig config;
  private final SessionStore sessions;
  private final Metrics metrics;
  private final OriginPolicy origins;
  private final DpopVerifier dpop;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final boolean ownsSessions;
  private HttpServer server;
  private ThreadPoolExecutor readers;
  private ThreadPoolExecutor workers;
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
    this(config, SessionStore.open(config.store(), config.storeTimeout()), true, verifiers);
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
    var users =
        new UserDirectory(
            config.users(), hasher, verifiers.apply(hasher::verify), tokens.credentialKey());
    var throttle =
        new LoginThrottle(
            config.maxFailuresPerAccount(),
            config.maxFailuresPerIp(),
            config.maxCaptchaFailuresPerIp(),
            config.throttleWindow(),
            clock);
    this.metrics = new Metrics(() -> sessions.activeCount(clock.instant()));
    this.origins = new OriginPolicy(config.corsOrigins());
    this.dpop = new DpopVerifier(config.dpop(), config.dpopNonce(), clock);
    var bearer = new BearerAuth(tokens, sessions, clock, config.expiredStatus(), dpop);
    var captchas = new CaptchaService(clock);
    var grants = new Grants(config, tokens, sessions, users, throttle, captchas, metrics);
    var clients = new ClientAddress(config.trustedProxies());
    var auth =
        new AuthEndpoints(config, tokens, sessions, captchas, grants, bearer, metrics, clients);
    var token = new TokenEndpoint(config, grants, metrics, clients, dpop);
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
    routes.put(
        TokenEndpoint.REVOCATION_PATH,
        new Route("oauth_revoke", Set.of("POST"), false, token::revoke, TokenEndpoint::errorBody));
    route("/api/me", "me", "GET", false, api::me);
    route("/api/notes", "notes", "GET", false, api::notes);
  }

  private void route(String path, String name, String method, boolean origin, Handler handler) {
    routes.put(path, new Route(name, Set.of(method), origin, handler, ErrorBody.ENVELOPE));
  }

  /**
   * Binds and starts serving. Returns this.
   *
   * <p>Two thread pools serve requests. {@link DemoConfig#readThreads()} reader threads take the
   * connections the JDK server hands over, which then reads the request's line and headers on them,
   * and read the body (at most {@link Http#MAX_BODY_BYTES}) into memory: a slow client holds a
   * reader, never a worker, and for at most {@code sun.net.httpserver.maxReqTime} (see {@link
   * Main#applySystemProperties()}). The request then goes to one of {@link DemoConfig#threads()}
   * workers, which run the handlers (password hashing, the session store); up to {@link
   * DemoConfig#queuedRequests()} requests wait for one, and a request beyond them is answered 503
   * {@code server_busy} with {@code Retry-After: 1} by its reader at once. Connections beyond the
   * readers and their queue of {@link #QUEUED_CONNECTIONS} are closed unanswered. Nothing runs on
   * the JDK server's accept thread.
   */
  public DemoServer start() throws IOException {
    if (server != null) throw new IllegalStateException("Already started.");
    var address = new InetSocketAddress(config.host(), config.port());
    var http = HttpServer.create(address, 128);
    var readPool = pool("tokenpair-read-", config.readThreads(), QUEUED_CONNECTIONS);
    var workPool = pool("tokenpair-http-", config.threads(), config.queuedRequests());
    http.setExecutor(readPool);
    http.createContext("/", this::accept);
    http.start();
    this.server = http;
    this.readers = readPool;
    this.workers = workPool;
    schedulePurge();
    return this;
  }

  /** A fixed pool of daemon threads with a bounded queue that refuses work beyond it. */
  private static ThreadPoolExecutor pool(String name, int threads, int queue) {
    var ids = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        60,
        TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(queue),
        r -> {
          var t = new Thread(r, name + ids.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        new ThreadPoolExecutor.AbortPolicy());
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
    readers.shutdownNow();
    workers.shutdownNow();
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

  /** Requests read and waiting for a worker. */
  int queuedRequests() {
    return workers.getQueue().size();
  }

  /** The purge scheduler while started with a positive interval, else null. */
  ScheduledExecutorService purger() {
    return purger;
  }

  /**
   * On a reader thread, with the request's line and headers read: checks what needs no worker,
   * reads the body, and hands the request to a worker, or answers 503 when none is free in time.
   */
  private void accept(HttpExchange ex) {
    var call = new Call(ex);
    if (!call.attempt(() -> prepare(ex, call.route))) {
      call.end();
      return;
    }
    try {
      workers.execute(
          () -> {
            call.attempt(
                () -> {
                  call.route.handler().handle(ex);
                  return true;
                });
            call.end();
          });
    } catch (RejectedExecutionException e) {
      call.answer(
          new ApiException(503, "server_busy", "The server is busy. Try again.")
              .header("Retry-After", "1"));
      call.end();
    }
  }

  /** One step of a request; returns whether the request goes on. */
  @FunctionalInterface
  private interface Step {
    boolean run() throws IOException;
  }

  /** One request on its way through the reader and a worker: its route, errors and metrics. */
  private final class Call {
    private final HttpExchange ex;
    private final Route route;
    private final String routeName;
    private final ErrorBody errors;
    private final long start = System.nanoTime();
    private final AtomicBoolean observed = new AtomicBoolean();

    Call(HttpExchange ex) {
      this.ex = ex;
      this.route = routes.get(ex.getRequestURI().getRawPath());
      this.routeName = route == null ? "other" : route.name();
      this.errors = route == null ? ErrorBody.ENVELOPE : route.errors();
      ex.setAttribute(Http.BEFORE_ANSWER, (Runnable) this::observe);
    }

    private void observe() {
      if (observed.compareAndSet(false, true)) {
        metrics.observe(routeName, System.nanoTime() - start);
      }
    }

    /** Runs {@code step}; a failure is answered here, and the request goes no further. */
    boolean attempt(Step step) {
      try {
        return step.run();
      } catch (ApiException e) {
        answer(e);
      } catch (SessionStoreException e) {
        // The database is down or too busy: transient, the client retries.
        System.err.println(
            "demo-server: session store unavailable on " + routeName + ": " + describe(e));
        answer(
            new ApiException(503, STORE_UNAVAILABLE, "Sessions are unavailable. Try again.")
                .header("Retry-After", "1"));
      } catch (RuntimeException | IOException e) {
        // Never a stack trace to the client; the type only, no message, to stderr.
        System.err.println("demo-server: internal error on " + routeName + ": " + e.getClass());
        answer(new ApiException(500, "internal_error", "Internal error."));
      }
      return false;
    }

    void answer(ApiException e) {
      sendError(ex, errors, e);
    }

    /** Counts the request (once, whether answered or not) and closes the exchange. */
    void end() {
      observe();
      ex.close();
    }
  }

  /**
   * Everything before the handler, on the reader: headers, CORS, OPTIONS, the method, the origin,
   * and the body, read into memory. Returns false when the request was answered here.
   */
  private boolean prepare(HttpExchange ex, Route route) throws IOException {
    if (route == null) throw new ApiException(404, "not_found", "No such endpoint.");
    var path = ex.getRequestURI().getRawPath();
    var headers = ex.getResponseHeaders();
    if (path.startsWith("/auth/") || path.startsWith("/api/") || path.startsWith("/oauth/")) {
      headers.set("Cache-Control", "no-store");
      origins.decorate(ex);
    }
    if (path.startsWith("/oauth/")) headers.set("Pragma", "no-cache"); // RFC 6749 §5.1
    var nonce = dpop.currentNonce();
    if (nonce != null && (path.startsWith("/oauth/") || path.startsWith("/api/"))) {
      headers.set(DpopVerifier.NONCE_HEADER, nonce); // RFC 9449 §8.2: on every answer there
    }
    var method = ex.getRequestMethod();
    if (method.equals("OPTIONS")) {
      origins.preflight(ex, route.allow() + ", OPTIONS");
      Http.sendEmpty(ex, 204);
      return false;
    }
    if (!route.methods().contains(method)) {
      throw new ApiException(405, "method_not_allowed", "Use " + route.allow() + ".")
          .header("Allow", route.allow());
    }
    if (route.checkOrigin()) origins.requireAllowedOrPresentless(ex);
    ex.setStreams(new ByteArrayInputStream(Http.readBody(ex)), null);
    return true;
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
