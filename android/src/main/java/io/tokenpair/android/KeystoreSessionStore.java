package io.tokenpair.android;

import android.content.Context;
import android.content.SharedPreferences;
import android.security.keystore.KeyGenParameterSpec;
import android.security.keystore.KeyProperties;
import io.tokenpair.client.SessionStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import okhttp3.Cookie;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SessionStore} for Android apps: the access token, the refresh token and the persistent
 * cookies are encrypted together with an AES-256-GCM key held in AndroidKeyStore (the key never
 * leaves it), and the ciphertext is kept in {@link SharedPreferences} as one value, written with
 * {@link SharedPreferences.Editor#commit()} so that each write is atomic and durable.
 *
 * <pre>{@code
 * TokenPairAuth auth = TokenPairAuth.builder()
 *     .baseUrl("https://api.example.com/")
 *     .sessionStore(KeystoreSessionStore.create(context, "session"))
 *     .build();
 * }</pre>
 *
 * <p>A record that cannot be opened counts as "signed out", never as a crash: a key invalidated by
 * the system, a restore from a backup onto a device whose keystore lacks the key, a record that is
 * corrupt or truncated. The store then deletes the record and the key, throws an {@link
 * IOException} once (the SDK reports it to {@link
 * io.tokenpair.client.SessionListener#onStorageError} and carries on without a session), and reads
 * as empty from then on; the next sign-in writes a new record under a new key. Exclude the
 * preferences file ({@code tokenpair.<name>.xml}) from Auto Backup (docs/setup.md shows the XML),
 * so that a restore does not bring back a record that cannot be opened.
 *
 * <p>The SDK calls the store on its own threads; it is never called on the main thread by the SDK.
 * The {@linkplain #lock() lock} excludes the threads of this process only: Android apps run in one
 * process unless they declare more, and two processes must not share one store.
 *
 * <p>This class is thread-safe.
 */
public final class KeystoreSessionStore implements SessionStore {
  private static final String KEYSTORE = "AndroidKeyStore";
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final String RECORD = "session";
  private static final byte VERSION = 1;
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SharedPreferences preferences;
  private final String alias;
  private final ReentrantLock lock = new ReentrantLock();

  /** The decrypted record, or null before the first read. Guarded by this. */
  private @Nullable Session session;

  private KeystoreSessionStore(SharedPreferences preferences, String alias) {
    this.preferences = preferences;
    this.alias = alias;
  }

  /**
   * Returns a store in the private preferences file {@code tokenpair.<name>.xml}, encrypted with
   * the AndroidKeyStore key {@code tokenpair.<name>} (created at the first write). Use one name per
   * account, and one store object per name.
   *
   * @param context any context of the app; its application context is used.
   * @param name the store's name: letters, digits, {@code .}, {@code _} or {@code -}.
   * @return the store.
   * @throws IllegalArgumentException if {@code name} is empty or has other characters.
   */
  public static KeystoreSessionStore create(Context context, String name) {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("name must be letters, digits, '.', '_' or '-'");
    }
    SharedPreferences preferences =
        context
            .getApplicationContext()
            .getSharedPreferences("tokenpair." + name, Context.MODE_PRIVATE);
    return new KeystoreSessionStore(preferences, "tokenpair." + name);
  }

  @Override
  public synchronized @Nullable String loadAccessToken() throws IOException {
    return read().accessToken;
  }

  @Override
  public synchronized void saveAccessToken(@Nullable String accessToken) throws IOException {
    Session current = read();
    write(new Session(accessToken, current.refreshToken, current.cookies));
  }

  @Override
  public synchronized @Nullable String loadRefreshToken() throws IOException {
    return read().refreshToken;
  }

  @Override
  public synchronized void saveRefreshToken(@Nullable String refreshToken) throws IOException {
    Session current = read();
    write(new Session(current.accessToken, refreshToken, current.cookies));
  }

  @Override
  public synchronized List<Cookie> loadCookies() throws IOException {
    return read().cookies;
  }

  @Override
  public synchronized void saveCookies(List<Cookie> cookies) throws IOException {
    List<Cookie> persistent = new ArrayList<>();
    for (Cookie cookie : cookies) {
      if (cookie.persistent()) persistent.add(cookie);
    }
    Session current = read();
    write(new Session(current.accessToken, current.refreshToken, persistent));
  }

  @Override
  public Closeable lock() throws IOException {
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while waiting for the session store's lock.");
    }
    return lock::unlock;
  }

  @Override
  public String toString() {
    return "KeystoreSessionStore{" + alias + "}";
  }

  /** Returns the session, reading and decrypting it at the first call. Holds this. */
  private Session read() throws IOException {
    if (session != null) return session;
    String stored = preferences.getString(RECORD, null);
    if (stored == null) return session = Session.EMPTY;
    KeyStore keyStore;
    try {
      keyStore = keyStore();
    } catch (GeneralSecurityException e) {
      // Not the record's fault: keep it for the next start.
      throw new IOException("The Android keystore is unavailable.", e);
    }
    try {
      Key key = keyStore.getKey(alias, null);
      if (key == null) throw new GeneralSecurityException("the key is missing");
      ByteBuffer record = ByteBuffer.wrap(Base64.getDecoder().decode(stored));
      if (record.remaining() < 1 + IV_BYTES || record.get() != VERSION) {
        throw new GeneralSecurityException("the record is truncated or of another version");
      }
      byte[] iv = new byte[IV_BYTES];
      record.get(iv);
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(alias.getBytes(StandardCharsets.UTF_8));
      byte[] plain = cipher.doFinal(record.array(), record.position(), record.remaining());
      return session = Session.parse(new String(plain, StandardCharsets.UTF_8));
    } catch (GeneralSecurityException | RuntimeException | IOException e) {
      // RuntimeException too: providers throw ProviderException, IllegalStateException or worse for
      // keys the system has invalidated, and an escape would be reported again at every read.
      // Unreadable for good: forget it, once, so that the next sign-in starts afresh.
      session = Session.EMPTY;
      boolean removed = preferences.edit().remove(RECORD).commit();
      deleteKey();
      throw new IOException(
          "The stored session cannot be opened and was "
              + (removed ? "deleted" : "not deleted")
              + " (a key the system invalidated, a restore from a backup, or a corrupt record).",
          e);
    }
  }

  /** Encrypts and commits {@code next}, then keeps it. Holds this. */
  private void write(Session next) throws IOException {
    String plain = next.format();
    String record;
    try {
      record = encrypt(plain);
    } catch (GeneralSecurityException | RuntimeException e) {
      // Most likely a key the system invalidated (KeyPermanentlyInvalidatedException): a new key.
      deleteKey();
      try {
        record = encrypt(plain);
      } catch (GeneralSecurityException | RuntimeException again) {
        throw new IOException("The session could not be encrypted.", again);
      }
    }
    if (!preferences.edit().putString(RECORD, record).commit()) {
      throw new IOException("The session could not be written to the preferences.");
    }
    session = next;
  }

  private String encrypt(String plain) throws GeneralSecurityException {
    Key key = keyStore().getKey(alias, null);
    if (key == null) key = newKey();
    Cipher cipher = Cipher.getInstance(TRANSFORMATION);
    cipher.init(Cipher.ENCRYPT_MODE, key); // The keystore picks a random IV.
    cipher.updateAAD(alias.getBytes(StandardCharsets.UTF_8));
    byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
    byte[] iv = cipher.getIV();
    if (iv == null || iv.length != IV_BYTES) throw new GeneralSecurityException("unexpected IV");
    ByteBuffer record = ByteBuffer.allocate(1 + IV_BYTES + sealed.length);
    record.put(VERSION).put(iv).put(sealed);
    return Base64.getEncoder().encodeToString(record.array());
  }

  private SecretKey newKey() throws GeneralSecurityException {
    KeyGenerator generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE);
    generator.init(
        new KeyGenParameterSpec.Builder(
                alias, KeyProperties.PURPOSE_ENCRYPT | KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build());
    return generator.generateKey();
  }

  private void deleteKey() {
    try {
      keyStore().deleteEntry(alias);
    } catch (GeneralSecurityException | RuntimeException e) {
      // A new key is made at the next write if this one is gone; if not, that write fails.
    }
  }

  private static KeyStore keyStore() throws GeneralSecurityException {
    KeyStore keyStore = KeyStore.getInstance(KEYSTORE);
    try {
      keyStore.load(null);
    } catch (IOException e) {
      throw new KeyStoreException("The Android keystore could not be loaded.", e);
    }
    return keyStore;
  }

  /**
   * The stored session, as lines: {@code a<TAB>token}, {@code r<TAB>token} and {@code
   * c<TAB>url<TAB>Set-Cookie form} per cookie. Tokens and cookies hold no tabs or line breaks.
   */
  private static final class Session {
    static final Session EMPTY = new Session(null, null, Collections.<Cookie>emptyList());

    final @Nullable String accessToken;
    final @Nullable String refreshToken;
    final List<Cookie> cookies;

    Session(@Nullable String accessToken, @Nullable String refreshToken, List<Cookie> cookies) {
      this.accessToken = accessToken;
      this.refreshToken = refreshToken;
      this.cookies = Collections.unmodifiableList(new ArrayList<>(cookies));
    }

    String format() throws IOException {
      StringBuilder lines = new StringBuilder();
      if (accessToken != null) lines.append("a\t").append(plain(accessToken)).append('\n');
      if (refreshToken != null) lines.append("r\t").append(plain(refreshToken)).append('\n');
      for (Cookie cookie : cookies) {
        String url = (cookie.secure() ? "https://" : "http://") + cookie.domain() + cookie.path();
        lines.append("c\t").append(url).append('\t').append(plain(cookie.toString())).append('\n');
      }
      return lines.toString();
    }

    static Session parse(String text) throws IOException {
      String accessToken = null;
      String refreshToken = null;
      List<Cookie> cookies = new ArrayList<>();
      for (String line : text.split("\n", -1)) {
        if (line.isEmpty()) continue;
        String[] fields = line.split("\t", -1);
        if (fields.length == 2 && fields[0].equals("a")) {
          accessToken = fields[1];
        } else if (fields.length == 2 && fields[0].equals("r")) {
          refreshToken = fields[1];
        } else if (fields.length == 3 && fields[0].equals("c")) {
          HttpUrl url = HttpUrl.parse(fields[1]);
          Cookie cookie = url == null ? null : Cookie.parse(url, fields[2]);
          if (cookie == null) throw new IOException("A stored cookie is unreadable.");
          cookies.add(cookie);
        } else {
          throw new IOException("The stored session is malformed.");
        }
      }
      return new Session(accessToken, refreshToken, cookies);
    }

    private static String plain(String value) throws IOException {
      if (value.indexOf('\t') >= 0 || value.indexOf('\n') >= 0) {
        throw new IOException("A token or cookie holds a tab or a line break.");
      }
      return value;
    }
  }
}
