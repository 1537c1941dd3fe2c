package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tokenpair.client.RefreshEvent.Outcome;
import io.tokenpair.client.RefreshEvent.Trigger;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Refresh events of the cookie protocol: once per refresh, after the refresh's other events. */
@Timeout(20)
final class RefreshEventTest {
  @StartStop public final MockWebServer server = new MockWebServer();

  private final FakeClock clock = new FakeClock();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final List<RefreshEvent> events = new CopyOnWriteArrayList<>();
  private final SessionListener listener =
      new SessionListener() {
        @Override
        public void onRefreshed(String accessToken) {
          calls.add("refreshed");
        }

        @Override
        public void onSessionExpired() {
          calls.add("expired");
        }

        @Override
        public void onRefreshEvent(RefreshEvent event) {
          calls.add("event " + event.outcome());
          events.add(event);
        }
      };

  private OkHttpClient signedIn(TokenServerDispatcher tokens, TokenPairAuth.Builder builder)
      throws IOException {
    server.setDispatcher(tokens);
    TokenPairAuth auth = builder.baseUrl(server.url("/")).listener(listener).clock(clock).build();
    auth.login(DemoLogin.request(server));
    return auth.install(new OkHttpClient.Builder()).build();
  }

  private int call(OkHttpClient client) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
      return response.code();
    }
  }

  @Test
  void eachRefreshReportsItsTriggerAndOutcomeOnceAfterItsOtherEvents() throws Exception {
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder()
            .expiredStatus(419)
            .clock(new SessionHardeningTest.ShiftedClock(clock, 0))
            .build();
    OkHttpClient client =
        signedIn(tokens, TokenPairAuth.builder().refreshAhead(0, TimeUnit.SECONDS));

    tokens.expireAccessTokens();
    assertThat(call(client)).isEqualTo(200);
    clock.advance(1, TimeUnit.SECONDS);
    tokens.expireAccessTokens();
    tokens.failNextRefresh(503);
    assertThat(call(client)).isEqualTo(419);
    clock.advance(1, TimeUnit.SECONDS);
    tokens.rejectNextRefresh();
    assertThat(call(client)).isEqualTo(419);

    assertThat(events)
        .extracting(RefreshEvent::trigger, RefreshEvent::status, RefreshEvent::outcome)
        .containsExactly(
            tuple(Trigger.EXPIRED_STATUS, 419, Outcome.REFRESHED),
            tuple(Trigger.EXPIRED_STATUS, 419, Outcome.FAILED),
            tuple(Trigger.EXPIRED_STATUS, 419, Outcome.REJECTED));
    assertThat(((AuthResponseException) events.get(1).failure()).code()).isEqualTo(503);
    assertThat(events.get(0).failure()).isNull();
    assertThat(events).allSatisfy(e -> assertThat(e.waiters()).isEqualTo(1));
    assertThat(calls)
        .containsExactly(
            "refreshed", "event REFRESHED", "event FAILED", "expired", "event REJECTED");
  }

  @Test
  void refreshAheadOfExpiryIsReportedAsSuch() throws Exception {
    TokenServerDispatcher tokens =
        TokenServerDispatcher.builder()
            .accessTokenLifetime(60, TimeUnit.SECONDS)
            .clock(new SessionHardeningTest.ShiftedClock(clock, 0))
            .build();
    OkHttpClient client =
        signedIn(tokens, TokenPairAuth.builder().refreshAhead(20, TimeUnit.SECONDS));
    clock.advance(45, TimeUnit.SECONDS);
    assertThat(call(client)).isEqualTo(200);
    assertThat(events)
        .extracting(RefreshEvent::trigger, RefreshEvent::status, RefreshEvent::outcome)
        .containsExactly(tuple(Trigger.AHEAD_OF_EXPIRY, 0, Outcome.REFRESHED));
  }
}
