package io.tokenpair.client;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
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
 * <p>Arguments: {@code baseUrl storeFile path [shared|unlocked|stall-write|hold-lock]}. {@code
 * unlocked} uses the file without its lock (as two plain stores), to show what the lock prevents;
 * {@code stall-write} prints {@code RENAMING} and blocks forever just before the store renames its
 * temporary file, so that the parent can kill it there; {@code hold-lock} makes no call: it takes
 * the operating-system lock on the store's lock file, prints {@code LOCKED} and holds it until the
 * parent closes its input or kills it.
 */
public final class SessionChild {
  private SessionChild() {}

  public static void main(String[] args) throws IOException {
    String baseUrl = args[0];
    File file = new File(args[1]);
    String path = args[2];
    String mode = args.length > 3 ? args[3] : "shared";
    if (mode.equals("hold-lock")) {
      holdLock(new File(file.getPath() + ".lock"));
      System.exit(0);
    }

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

  /** Holds {@code lockFile}'s operating-system lock, as a wedged or hostile process would. */
  private static void holdLock(File lockFile) throws IOException {
    try (RandomAccessFile handle = new RandomAccessFile(lockFile, "rw");
        FileLock lock = handle.getChannel().lock()) {
      System.out.println("LOCKED");
      System.out.flush();
      while (System.in.read() != -1) {
        // Until the parent ends.
      }
    }
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
