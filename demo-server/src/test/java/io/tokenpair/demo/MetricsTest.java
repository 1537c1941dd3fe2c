package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsTest {
  private final Metrics metrics = new Metrics(() -> 3);

  @Test
  void everyOutcomeIsExposedFromTheStart() {
    var text = metrics.render();
    for (var outcome : Metrics.REFRESH_OUTCOMES) {
      assertThat(text).contains("tokenpair_refresh_total{outcome=\"" + outcome + "\"} 0\n");
    }
    for (var outcome : Metrics.LOGIN_OUTCOMES) {
      assertThat(text).contains("tokenpair_login_total{outcome=\"" + outcome + "\"} 0\n");
    }
    assertThat(text).contains("tokenpair_active_sessions 3\n");
  }

  @Test
  void tokenEndpointGrantsAreExposedFromTheStartAndCountedApart() {
    var text = metrics.render();
    var series = 0;
    for (var grant : Metrics.TOKEN_ENDPOINT_GRANTS.entrySet()) {
      for (var outcome : grant.getValue()) {
        assertThat(text)
            .contains(
                "tokenpair_token_endpoint_total{grant=\""
                    + grant.getKey()
                    + "\",outcome=\""
                    + outcome
                    + "\"} 0\n");
        series++;
      }
    }
    assertThat(series).isEqualTo(8);
    metrics.tokenEndpoint("refresh_token", "grace");
    assertThat(metrics.render())
        .contains("tokenpair_token_endpoint_total{grant=\"refresh_token\",outcome=\"grace\"} 1\n")
        .contains("tokenpair_refresh_total{outcome=\"grace\"} 0\n");
    assertThatThrownBy(() -> metrics.tokenEndpoint("client_credentials", "ok"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> metrics.tokenEndpoint("password", "grace"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void countsAreRenderedPerOutcome() {
    metrics.refresh("ok");
    metrics.refresh("ok");
    metrics.refresh("reuse_detected");
    metrics.login("invalid_credentials");
    var text = metrics.render();
    assertThat(text)
        .contains("tokenpair_refresh_total{outcome=\"ok\"} 2\n")
        .contains("tokenpair_refresh_total{outcome=\"reuse_detected\"} 1\n")
        .contains("tokenpair_login_total{outcome=\"invalid_credentials\"} 1\n");
  }

  @Test
  void latencyIsAHistogramWithCumulativeBuckets() {
    metrics.observe("me", 3_000_000); // 3 ms
    metrics.observe("me", 300_000_000); // 300 ms
    var text = metrics.render();
    assertThat(text)
        .contains("# TYPE tokenpair_http_request_duration_seconds histogram\n")
        .contains("tokenpair_http_request_duration_seconds_bucket{route=\"me\",le=\"0.005\"} 1\n")
        .contains("tokenpair_http_request_duration_seconds_bucket{route=\"me\",le=\"0.5\"} 2\n")
        .contains("tokenpair_http_request_duration_seconds_bucket{route=\"me\",le=\"+Inf\"} 2\n")
        .contains("tokenpair_http_request_duration_seconds_sum{route=\"me\"} 0.303\n")
        .contains("tokenpair_http_request_duration_seconds_count{route=\"me\"} 2\n");
  }

  @Test
  void unknownOutcomeIsAProgrammingError() {
    assertThatThrownBy(() -> metrics.refresh("whatever"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
