package io.tokenpair.demo;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Counters and a latency histogram, rendered in the Prometheus text exposition format (version
 * 0.0.4). All names start with {@code tokenpair_}. Labels come from fixed sets, never from request
 * input. This class is thread-safe.
 */
public final class Metrics {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Login outcomes. */
  public static final List<String> LOGIN_OUTCOMES =
      List.of("ok", "invalid_credentials", "invalid_captcha", "throttled");

  /** Refresh outcomes. */
  public static final List<String> REFRESH_OUTCOMES =
      List.of("ok", "rejected", "reuse_detected", "grace");

  /**
   * The grants of the OAuth2 token endpoint, each with the outcomes of its counter: {@code
   * password} those of a login, {@code refresh_token} those of a refresh.
   */
  public static final Map<String, List<String>> TOKEN_ENDPOINT_GRANTS =
      Map.of("password", LOGIN_OUTCOMES, "refresh_token", REFRESH_OUTCOMES);

  static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  private final Map<String, LongAdder> logins = counters(LOGIN_OUTCOMES);
  private final Map<String, LongAdder> refreshes = counters(REFRESH_OUTCOMES);
  private final Map<String, Map<String, LongAdder>> tokenEndpoint = new TreeMap<>();
  private final LongAdder logouts = new LongAdder();
  private final LongAdder revocations = new LongAdder();
  private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
  private final IntSupplier activeSessions;

  private static final class Histogram {
    final AtomicLongArray buckets = new AtomicLongArray(BUCKETS.length);
    final LongAdder count = new LongAdder();
    final LongAdder sumNanos = new LongAdder();
  }

  public Metrics(IntSupplier activeSessions) {
    this.activeSessions = activeSessions;
    TOKEN_ENDPOINT_GRANTS.forEach(
        (grant, outcomes) -> tokenEndpoint.put(grant, counters(outcomes)));
  }

  private static Map<String, LongAdder> counters(List<String> outcomes) {
    var map = new TreeMap<String, LongAdder>();
    for (var outcome : outcomes) map.put(outcome, new LongAdder());
    return map;
  }

  public void login(String outcome) {
    count(logins, outcome);
  }

  public void refresh(String outcome) {
    count(refreshes, outcome);
  }

  /**
   * Counts a grant of the OAuth2 token endpoint by its type and outcome. The same grant is also
   * counted by {@link #login} or {@link #refresh}, which count both protocols.
   */
  public void tokenEndpoint(String grant, String outcome) {
    var counters = tokenEndpoint.get(grant);
    if (counters == null) throw new IllegalArgumentException("unknown grant " + grant);
    count(counters, outcome);
  }

  public void logout() {
    logouts.increment();
  }

  /** Counts an answered RFC 7009 revocation ({@code POST /oauth/revoke}, 200). */
  public void revocation() {
    revocations.increment();
  }

  private static void count(Map<String, LongAdder> counters, String outcome) {
    var counter = counters.get(outcome);
    if (counter == null) throw new IllegalArgumentException("unknown outcome " + outcome);
    counter.increment();
  }

  /** Records one request; {@code route} must be a fixed route name, never a raw path. */
  public void observe(String route, long nanos) {
    var h = latency.computeIfAbsent(route, r -> new Histogram());
    double seconds = nanos / 1e9;
    for (int i = 0; i < BUCKETS.length; i++) {
      if (seconds <= BUCKETS[i]) h.buckets.incrementAndGet(i);
    }
    h.count.increment();
    h.sumNanos.add(nanos);
  }

  public long refreshCount(String outcome) {
    return refreshes.get(outcome).sum();
  }

  public long loginCount(String outcome) {
    return logins.get(outcome).sum();
  }

  public long tokenEndpointCount(String grant, String outcome) {
    return tokenEndpoint.get(grant).get(outcome).sum();
  }

  public String render() {
    var out = new StringBuilder();
    out.append("# HELP tokenpair_login_total Login attempts by outcome.\n");
    out.append("# TYPE tokenpair_login_total counter\n");
    logins.forEach((k, v) -> line(out, "tokenpair_login_total{outcome=\"" + k + "\"}", v.sum()));
    out.append("# HELP tokenpair_refresh_total Refresh attempts by outcome.\n");
    out.append("# TYPE tokenpair_refresh_total counter\n");
    refreshes.forEach(
        (k, v) -> line(out, "tokenpair_refresh_total{outcome=\"" + k + "\"}", v.sum()));
    out.append(
        "# HELP tokenpair_token_endpoint_total OAuth2 token endpoint grants by type and outcome,"
            + " also counted in tokenpair_login_total or tokenpair_refresh_total.\n");
    out.append("# TYPE tokenpair_token_endpoint_total counter\n");
    tokenEndpoint.forEach(
        (grant, counters) ->
            counters.forEach(
                (k, v) ->
                    line(
                        out,
                        "tokenpair_token_endpoint_total{grant=\""
                            + grant
                            + "\",outcome=\""
                            + k
                            + "\"}",
                        v.sum())));
    out.append("# HELP tokenpair_logout_total Logouts.\n");
    out.append("# TYPE tokenpair_logout_total counter\n");
    line(out, "tokenpair_logout_total", logouts.sum());
    out.append("# HELP tokenpair_revocation_total Revocations answered 200 (RFC 7009).\n");
    out.append("# TYPE tokenpair_revocation_total counter\n");
    line(out, "tokenpair_revocation_total", revocations.sum());
    out.append("# HELP tokenpair_active_sessions Sessions that are neither revoked nor expired.\n");
    out.append("# TYPE tokenpair_active_sessions gauge\n");
    line(out, "tokenpair_active_sessions", activeSessions.getAsInt());
    out.append("# HELP tokenpair_http_request_duration_seconds Request latency by route.\n");
    out.append("# TYPE tokenpair_http_request_duration_seconds histogram\n");
    new TreeMap<>(latency)
        .forEach(
            (route, h) -> {
              var name = "tokenpair_http_request_duration_seconds";
              for (int i = 0; i < BUCKETS.length; i++) {
                line(
                    out,
                    name + "_bucket{route=\"" + route + "\",le=\"" + format(BUCKETS[i]) + "\"}",
                    h.buckets.get(i));
              }
              var count = h.count.sum();
              line(out, name + "_bucket{route=\"" + route + "\",le=\"+Inf\"}", count);
              out.append(name)
                  .append("_sum{route=\"")
                  .append(route)
                  .append("\"} ")
                  .append(format(h.sumNanos.sum() / 1e9))
                  .append('\n');
              line(out, name + "_count{route=\"" + route + "\"}", count);
            });
    return out.toString();
  }

  private static void line(StringBuilder out, String series, long value) {
    out.append(series).append(' ').append(value).append('\n');
  }

  private static String format(double d) {
    return String.format(Locale.ROOT, "%s", d);
  }
}
