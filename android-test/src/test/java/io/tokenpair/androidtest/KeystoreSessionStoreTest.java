package io.tokenpair.androidtest;

import static org.assertj.core.api.Assertions.assertThat;

import android.content.Context;
import android.content.SharedPreferences;
import io.tokenpair.android.KeystoreSessionStore;
import io.tokenpair.client.SessionListener;
import io.tokenpair.client.TokenPairAuth;
import io.tokenpair.mockwebserver.TokenServerDispatcher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;

/**
 * {@link KeystoreSessionStore} on Android's framework (Robolectric) with a fake AndroidKeyStore, at
 * the minimum API and API 35: a session survives a restart encrypted, and every record that cannot
 * be opened ends the session once, without a crash or a loop.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = {26, 35})
public final class KeystoreSessionStoreTest {
  private final MockWebServer server = new MockWebServer();
  private final TokenServerDispatcher tokens = TokenServerDispatcher.create();
  private final Context context = RuntimeEnvironment.getApplication();
  private final SharedPreferences preferences =
      context.getSharedPreferences("tokenpair.session", Context.MODE_PRIVATE);

  @Before
  public void start() throws IOException {
    FakeAndroidKeyStore.install();
    server.setDispatcher(tokens);
    server.start();
  }

  @After
  public void stop() {
    server.close();
  }

  /** A new app start: a new store object over the same preferences, and a new auth. */
  private TokenPairAuth start(Listener listener) {
    return TokenPairAuth.builder()
        .baseUrl(server.url("/"))
        .sessionStore(KeystoreSessionStore.create(context, "session"))
        .listener(listener)
        .build();
  }

  private Request login() {
    return DemoLogin.request(server);
  }

  private int get(TokenPairAuth auth) throws IOException {
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    try (Response response =
        client.newCall(new Request.Builder().url(server.url("/api/me")).build()).execute()) {
      return response.code();
    }
  }

  private String signedIn() throws IOException {
    return start(new Listener()).login(login());
  }

  @Test
  public void sessionSurvivesARestartAndIsStoredEncrypted() throws IOException {
    String token = signedIn();

    TokenPairAuth restarted = start(new Listener());
    assertThat(restarted.accessToken()).isEqualTo(token);
    tokens.expireAccessTokens();
    assertThat(get(restarted)).isEqualTo(200); // The refresh cookie came back too.
    assertThat(tokens.refreshCount()).isEqualTo(1);
    assertThat(preferences.getAll().keySet()).containsExactly("session");
    assertThat(preferences.getString("session", "")).doesNotContain(token).doesNotContain("rt=");
    assertThat(FakeAndroidKeyStore.keyCount()).isEqualTo(1);
  }

  @Test
  public void invalidatedKeyEndsTheSessionOnce() throws IOException {
    signedIn();
    FakeAndroidKeyStore.invalidateKeys();

    assertEndsOnceAndSignsInAgain();
  }

  @Test
  public void restoreWithoutTheKeyEndsTheSessionOnce() throws IOException {
    signedIn();
    FakeAndroidKeyStore.loseKeys(); // The preferences came back from a backup; the key did not.

    assertEndsOnceAndSignsInAgain();
  }

  @Test
  public void corruptRecordEndsTheSessionOnce() throws IOException {
    signedIn();
    String record = preferences.getString("session", "");
    char last = record.charAt(record.length() - 3);
    String flipped =
        record.substring(0, record.length() - 3)
            + (last == 'A' ? 'B' : 'A')
            + record.substring(record.length() - 2);
    assertThat(preferences.edit().putString("session", flipped).commit()).isTrue();

    assertEndsOnceAndSignsInAgain();
  }

  @Test
  public void truncatedRecordEndsTheSessionOnce() throws IOException {
    signedIn();
    String record = preferences.getString("session", "");
    assertThat(preferences.edit().putString("session", record.substring(0, 12)).commit()).isTrue();

    assertEndsOnceAndSignsInAgain();
  }

  @Test
  public void unreadableTextEndsTheSessionOnce() throws IOException {
    signedIn();
    assertThat(preferences.edit().putString("session", "not base64 %%").commit()).isTrue();

    assertEndsOnceAndSignsInAgain();
  }

  /**
   * The next start reads the record once: one storage error, then the end of the session, once; the
   * record and the key deleted; later calls read nothing more; a new sign-in works and survives the
   * next start.
   */
  private void assertEndsOnceAndSignsInAgain() throws IOException {
    Listener listener = new Listener();
    TokenPairAuth restarted = start(listener);

    assertThat(restarted.accessToken()).isNull();
    assertThat(get(restarted)).isEqualTo(401);
    assertThat(get(restarted)).isEqualTo(401);
    assertThat(listener.lines())
        .containsExactly(
            "storage error: The stored session cannot be opened and was deleted (a key the"
                + " system invalidated, a restore from a backup, or a corrupt record).",
            "expired");
    assertThat(preferences.contains("session")).isFalse();
    assertThat(FakeAndroidKeyStore.keyCount()).isEqualTo(0);
    assertThat(tokens.refreshCount()).isEqualTo(0);

    String token = restarted.login(login());
    assertThat(start(new Listener()).accessToken()).isEqualTo(token);
    assertThat(FakeAndroidKeyStore.keyCount()).isEqualTo(1);
  }

  /** The listener's events as lines. */
  private static final class Listener implements SessionListener {
    private final List<String> lines = new ArrayList<>(); // Guarded by this.

    @Override
    public synchronized void onSessionExpired() {
      lines.add("expired");
    }

    @Override
    public synchronized void onStorageError(IOException error) {
      lines.add("storage error: " + error.getMessage());
    }

    synchronized List<String> lines() {
      return new ArrayList<>(lines);
    }
  }
}
