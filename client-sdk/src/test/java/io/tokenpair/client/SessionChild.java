package io.tokenpair.client;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import okhttp3.Cookie;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A second app process for {@link FileSessionStoreProcessTest}: makes one call through {@link
 * TokenPairAuth} on a shared {@link FileSessionStore} and prints {@code STATUS <code>}.
 *
 * <p>Arguments: {@code baseUrl storeFile path [shared|unlocked|stall-write]}. {@code unlocked} uses
 * the file without its lock (as two plain stores), to show what the lock prevents; {@code
 * stall-write} prints {@code RENAMING} and blocks forever just before the store renames its
 * temporary file, so that the parent can kill it there.
 */
public final class SessionChild {
  private SessionChild() {}

  public static void main(String[] args) throws IOException {
    String baseUrl = args[0];
    File file = new File(args[1]);
    String path = args[2];
    String mode = args.length > 3 ? args[3] : "shared";

    TokenPairAuth.Builder builder =
        TokenPairAuth.builder()
            .baseUrl(baseUrl)
            .refreshAhead(0, java.util.concurrent.TimeUnit.SECONDS);
    switch (mode) {
      case "shared":
        builder.sessionStore(FileSessionStore.of(file));
        break;
      case "unlocked":
        FileSessionStore store = FileSessionStore.of(file);
        builder.tokenStore(new UnlockedTokens(store)).cookieStore(new UnlockedCookies(store));
        break;
      case "stall-write":
        builder.sessionStore(
            new FileSessionStore(
                file,
                true,
                () -> {
                  System.out.println("RENAMING");
                  System.out.flush();
                  try {
                    new CountDownLatch(1).await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
        break;
      default:
        throw new IllegalArgumentException("unknown mode: " + mode);
    }
    TokenPairAuth auth = builder.build();
    OkHttpClient client = auth.install(new OkHttpClient.Builder()).build();
    try (Response response =
        client.newCall(new Request.Builder().url(baseUrl + path.substring(1)).build()).execute()) {
      System.out.println("STATUS " + response.code());
    }
    System.out.flush();
    System.exit(0);
  }

  /** The file's token without its lock: a plain {@link TokenStore}. */
  static final class UnlockedTokens implements TokenStore {
    private final FileSessionStore store;

    UnlockedTokens(FileSessionStore store) {
      this.store = store;
    }

    @Override
    public String loadAccessToken() throws IOException {
      return store.loadAccessToken();
    }

    @Override
    public void saveAccessToken(String accessToken) throws IOException {
      store.saveAccessToken(accessToken);
    }
  }

  /** The file's cookies without its lock: a plain {@link CookieStore}. */
  static final class UnlockedCookies implements CookieStore {
    private final FileSessionStore store;

    UnlockedCookies(FileSessionStore store) {
      this.store = store;
    }

    @Override
    public List<Cookie> loadCookies() throws IOException {
      return store.loadCookies();
    }

    @Override
    public void saveCookies(List<Cookie> cookies) throws IOException {
      store.saveCookies(cookies);
    }
  }
}
