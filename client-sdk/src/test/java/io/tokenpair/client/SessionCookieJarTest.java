package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

final class SessionCookieJarTest {
  private static final HttpUrl AUTH = HttpUrl.get("https://api.example.com/auth/refresh");
  private static final HttpUrl API = HttpUrl.get("https://api.example.com/api/me");

  private final FakeClock clock = new FakeClock();
  private final RecordingStore store = new RecordingStore();
  private final RecordingListener listener = new RecordingListener();
  private final SessionCookieJar jar =
      new SessionCookieJar(
          new Stores(TokenStore.inMemory(), store, null, 10_000), clock, listener, Runnable::run);

  private void receive(HttpUrl url, String... setCookies) {
    List<Cookie> cookies = new ArrayList<>();
    for (String header : setCookies) cookies.add(Cookie.parse(url, header));
    jar.saveFromResponse(url, cookies);
  }

  private List<String> sentTo(HttpUrl url) {
    List<String> result = new ArrayList<>();
    for (Cookie cookie : jar.loadForRequest(url)) result.add(cookie.name() + "=" + cookie.value());
    return result;
  }

  @Test
  void pathScopedCookieIsSentOnlyUnderItsPath() {
    receive(AUTH, "rt=r1; Path=/auth; HttpOnly; Max-Age=60");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
    assertThat(sentTo(HttpUrl.get("https://api.example.com/auth/logout"))).containsExactly("rt=r1");
    assertThat(sentTo(API)).isEmpty();
    assertThat(sentTo(HttpUrl.get("https://api.example.com/authx"))).isEmpty();
  }

  @Test
  void hostOnlyCookieIsNotSentToOtherHostsOrSubdomains() {
    receive(AUTH, "rt=r1; Path=/");
    assertThat(sentTo(HttpUrl.get("https://other.example.com/auth/refresh"))).isEmpty();
    assertThat(sentTo(HttpUrl.get("https://sub.api.example.com/auth/refresh"))).isEmpty();
  }

  @Test
  void domainCookieIsSentToSubdomains() {
    receive(AUTH, "sid=s1; Domain=example.com; Path=/");
    assertThat(sentTo(HttpUrl.get("https://www.example.com/"))).containsExactly("sid=s1");
  }

  @Test
  void secureCookieIsNotSentOverPlainHttp() {
    receive(AUTH, "rt=r1; Path=/auth; Secure");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
    assertThat(sentTo(HttpUrl.get("http://api.example.com/auth/refresh"))).isEmpty();
  }

  @Test
  void maxAgeZeroDeletesTheCookie() {
    receive(AUTH, "rt=r1; Path=/auth; Max-Age=60");
    receive(AUTH, "rt=; Path=/auth; Max-Age=0");
    assertThat(sentTo(AUTH)).isEmpty();
    assertThat(store.saved).isEmpty();
  }

  @Test
  void deletionNeedsTheSamePath() {
    receive(AUTH, "rt=r1; Path=/auth; Max-Age=60");
    receive(AUTH, "rt=; Path=/; Max-Age=0");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
  }

  @Test
  void expiredCookieIsNeitherSentNorKept() {
    receive(AUTH, "rt=r1; Path=/auth; Max-Age=60", "other=o; Path=/auth; Max-Age=600");
    clock.advance(61, TimeUnit.SECONDS);
    assertThat(sentTo(AUTH)).containsExactly("other=o");
    assertThat(jar.has("rt", AUTH, new Events(listener))).isFalse();
    receive(AUTH, "third=t; Path=/auth");
    assertThat(store.saved).extracting(Cookie::name).containsExactly("other", "third");
  }

  @Test
  void sameNameDomainAndPathReplacesTheCookie() {
    receive(AUTH, "rt=r1; Path=/auth; Max-Age=60");
    receive(AUTH, "rt=r2; Path=/auth; Max-Age=60");
    assertThat(sentTo(AUTH)).containsExactly("rt=r2");
    assertThat(store.saved).hasSize(1);
  }

  @Test
  void longerPathsAreSentFirst() {
    receive(AUTH, "a=root; Path=/", "b=auth; Path=/auth", "c=refresh; Path=/auth/refresh");
    assertThat(sentTo(AUTH)).containsExactly("c=refresh", "b=auth", "a=root");
  }

  @Test
  void stagedCookiesApplyOnlyOnCommit() throws IOException {
    receive(AUTH, "rt=r1; Path=/auth; Max-Age=60");
    SessionCookieJar.Staging staging = jar.staging(null);
    assertThat(staging.loadForRequest(AUTH)).extracting(Cookie::value).containsExactly("r1");
    staging.saveFromResponse(
        AUTH, Collections.singletonList(Cookie.parse(AUTH, "rt=r2; Path=/auth")));
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
    jar.commit(staging, new Events(listener));
    assertThat(sentTo(AUTH)).containsExactly("rt=r2");
    assertThat(store.saved).extracting(Cookie::value).containsExactly("r2");
  }

  @Test
  void cookiesAreLoadedFromTheStoreOnFirstUse() {
    store.saved = Arrays.asList(Cookie.parse(AUTH, "rt=stored; Path=/auth; Max-Age=60"));
    assertThat(sentTo(AUTH)).containsExactly("rt=stored");
    assertThat(store.loads).isEqualTo(1);
    sentTo(AUTH);
    assertThat(store.loads).isEqualTo(1);
  }

  @Test
  void unreadableStoreMeansNoCookiesAndIsReported() {
    store.failLoad = true;
    assertThat(sentTo(AUTH)).isEmpty();
    assertThat(listener.storageErrors).extracting(Throwable::getMessage).containsExactly("corrupt");
  }

  @Test
  void storeFailureKeepsTheCookieInMemoryAndIsReported() {
    store.failSave = true;
    receive(AUTH, "rt=r1; Path=/auth; Max-Age=60");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
    assertThat(listener.storageErrors)
        .extracting(Throwable::getMessage)
        .containsExactly("disk full");
  }

  @Test
  void removeDeletesOnlyTheNamedCookieForTheUrl() throws IOException {
    receive(AUTH, "rt=r1; Path=/auth", "other=o; Path=/auth");
    jar.remove("rt", AUTH, new Events(listener));
    assertThat(sentTo(AUTH)).containsExactly("other=o");
  }

  private static final HttpUrl CLEARTEXT_AUTH = HttpUrl.get("http://api.example.com/auth/refresh");

  @Test
  void cleartextAnswerCannotReplaceASecureCookie() {
    receive(AUTH, "rt=r1; Path=/auth; Secure; Max-Age=60");
    receive(CLEARTEXT_AUTH, "rt=attacker; Path=/auth; Max-Age=60");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
  }

  @Test
  void cleartextAnswerCannotDeleteASecureCookie() {
    receive(AUTH, "rt=r1; Path=/auth; Secure; Max-Age=60");
    receive(CLEARTEXT_AUTH, "rt=; Path=/auth; Max-Age=0");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
  }

  @Test
  void cleartextAnswerCannotShadowASecureCookieFromADeeperPathOrAWiderDomain() {
    receive(AUTH, "rt=r1; Path=/auth; Secure; Max-Age=60");
    receive(CLEARTEXT_AUTH, "rt=deeper; Path=/auth/refresh; Max-Age=60");
    receive(CLEARTEXT_AUTH, "rt=wider; Domain=example.com; Path=/auth; Max-Age=60");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
  }

  @Test
  void cleartextAnswerCannotSetASecureCookie() {
    receive(CLEARTEXT_AUTH, "rt=attacker; Path=/auth; Secure; Max-Age=60");
    assertThat(sentTo(AUTH)).isEmpty();
  }

  @Test
  void cleartextAnswerStillSetsOtherCookies() {
    receive(AUTH, "rt=r1; Path=/auth; Secure; Max-Age=60");
    receive(CLEARTEXT_AUTH, "rt=plain; Path=/; Max-Age=60", "pref=p; Path=/auth; Max-Age=60");
    assertThat(sentTo(AUTH)).containsExactly("rt=r1", "pref=p", "rt=plain");
  }

  @Test
  void secureAnswerReplacesASecureCookie() {
    receive(AUTH, "rt=r1; Path=/auth; Secure; Max-Age=60");
    receive(AUTH, "rt=r2; Path=/auth; Max-Age=60");
    assertThat(sentTo(AUTH)).containsExactly("rt=r2");
  }

  @Test
  void stagedCleartextAnswerCannotReplaceASecureCookie() throws IOException {
    receive(AUTH, "rt=r1; Path=/auth; Secure; Max-Age=60");
    SessionCookieJar.Staging staging = jar.staging(null);
    staging.saveFromResponse(
        CLEARTEXT_AUTH,
        Collections.singletonList(Cookie.parse(CLEARTEXT_AUTH, "rt=attacker; Path=/auth")));
    assertThat(staging.loadForRequest(AUTH)).extracting(Cookie::value).containsExactly("r1");
    jar.commit(staging, new Events(listener));
    assertThat(sentTo(AUTH)).containsExactly("rt=r1");
  }

  static final class RecordingStore implements CookieStore {
    volatile List<Cookie> saved = Collections.emptyList();
    volatile int loads;
    volatile boolean failLoad;
    volatile boolean failSave;

    @Override
    public List<Cookie> loadCookies() throws IOException {
      loads++;
      if (failLoad) throw new IOException("corrupt");
      return saved;
    }

    @Override
    public void saveCookies(List<Cookie> cookies) throws IOException {
      if (failSave) throw new IOException("disk full");
      saved = cookies;
    }
  }
}
