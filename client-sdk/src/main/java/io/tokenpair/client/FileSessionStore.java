package io.tokenpair.client;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Cookie;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * A {@link SessionStore} in one JSON file, for desktop apps: the refresh cookie and, unless
 * {@linkplain #cookiesOnly(File) told otherwise}, the access token survive restarts, and several
 * processes of the app may share the file.
 *
 * <pre>{@code
 * File file = new File(System.getProperty("user.home"), ".myapp/session.json");
 * TokenPairAuth auth = TokenPairAuth.builder()
 *     .baseUrl("https://api.example.com/")
 *     .sessionStore(FileSessionStore.of(file))
 *     .build();
 * }</pre>
 *
 * <p>Every write goes to a temporary file in the same folder, which is flushed to the device
 * ({@code fsync}) and then renamed over the file, so a crash at any moment leaves either the
 * previous or the new content, never a mix. The files, and the folders this store creates, are
 * readable and writable by their owner only (POSIX {@code rw-------} and {@code rwx------}, from
 * their creation on) where the file system supports that; a folder that exists is left as it is.
 *
 * <p>Session cookies (those without an expiry) are written too, marked as such, and read back as
 * session cookies: this store exists to carry the session across the re-reads of every refresh,
 * across processes and across restarts, and a server that sets its refresh cookie without {@code
 * Max-Age} (as Express's {@code res.cookie('rt', value, {httpOnly: true})} does) would otherwise
 * sign the app out at its first refresh. They end when the server replaces or deletes them, or at
 * {@link TokenPairAuth#logout()}, not when the process ends.
 *
 * <p>With {@link TokenPairAuth.Builder#dpop()} the session's DPoP key pair is kept in the same
 * file, beside the refresh token and exactly as durably ({@code dpop_key}: the PKCS #8 private key
 * and the X.509 public key, base64url), so a restart or a second process continues the bound
 * session. The file is then as secret as the key: it is owner-only, as said below.
 *
 * <p>A file that cannot be read or parsed counts as "signed out": the SDK carries on without a
 * session and reports the error to {@link SessionListener#onStorageError}; the next write replaces
 * the file.
 *
 * <p>The {@linkplain #lock(long, TimeUnit) lock} is an operating-system lock on a sibling file,
 * {@code <name>.lock}, held together with a lock for the threads of this process, so it excludes
 * other processes and other threads alike. Every wait for it is bounded: the SDK waits at most its
 * {@linkplain TokenPairAuth.Builder#refreshTimeout refresh timeout}, then fails the refresh, login
 * or logout with an {@link IOException} that names the lock file. Reads do not take it: the rename
 * makes every read see a complete file.
 *
 * <p>On Windows, renaming over an existing file is not atomic in Java 8's {@code java.io} API; the
 * store deletes the old file first, which leaves a moment without a file.
 *
 * <p>This class is thread-safe and process-safe.
 */
public final class FileSessionStore implements SessionStore {
  private static final int VERSION = 1;
  private static final long DEFAULT_LOCK_TIMEOUT_SECONDS = 10;

  /** The per-file locks of this process, shared by every instance that uses the same file. */
  private static final ConcurrentMap<String, PathLock> LOCKS = new ConcurrentHashMap<>();

  private final File file;
  private final File tempFile;
  private final boolean persistAccessToken;
  private final PathLock pathLock;
  private final Runnable beforeRename;

  /** The access token when it is not persisted. */
  private volatile @Nullable String memoryAccessToken;

  FileSessionStore(File file, boolean persistAccessToken, Runnable beforeRename) {
    if (file == null) throw new NullPointerException("file == null");
    File absolute = file.getAbsoluteFile();
    this.file = absolute;
    this.tempFile = new File(absolute.getParentFile(), absolute.getName() + ".tmp");
    this.persistAccessToken = persistAccessToken;
    this.beforeRename = beforeRename;
    String lockPath = absolute.getPath() + ".lock";
    PathLock lock = new PathLock(new File(lockPath));
    PathLock existing = LOCKS.putIfAbsent(lockPath, lock);
    this.pathLock = existing != null ? existing : lock;
  }

  /**
   * Returns a store that keeps the access token and the cookies in {@code file}. The folder is
   * created on the first write.
   *
   * @param file the JSON file; it need not exist yet.
   * @return the store.
   */
  public static FileSessionStore of(File file) {
    return new FileSessionStore(file, true, null);
  }

  /**
   * Returns a store that keeps only the cookies in {@code file}; the access token stays in memory,
   * and after a restart the refresh cookie mints a new one.
   *
   * @param file the JSON file; it need not exist yet.
   * @return the store.
   */
  public static FileSessionStore cookiesOnly(File file) {
    return new FileSessionStore(file, false, null);
  }

  /**
   * Returns the file this store writes.
   *
   * @return the absolute file.
   */
  public File file() {
    return file;
  }

  @Override
  public @Nullable String loadAccessToken() throws IOException {
    return persistAccessToken ? loadText("access_token") : memoryAccessToken;
  }

  @Override
  public void saveAccessToken(@Nullable String accessToken) throws IOException {
    if (persistAccessToken) {
      saveField("access_token", accessToken);
    } else {
      memoryAccessToken = accessToken;
    }
  }

  /** Returns the stored refresh token of a body-token protocol such as OAuth 2.0, or null. */
  @Override
  public @Nullable String loadRefreshToken() throws IOException {
    return loadText("refresh_token");
  }

  /** Stores the refresh token of a body-token protocol such as OAuth 2.0 (also in cookiesOnly). */
  @Override
  public void saveRefreshToken(@Nullable String refreshToken) throws IOException {
    saveField("refresh_token", refreshToken);
  }

  /** Returns true: this store keeps the refresh tokens of body-token protocols. */
  @Override
  public boolean keepsRefreshTokens() {
    return true;
  }

  /** Returns the session's DPoP key pair, or null. */
  @Override
  public @Nullable KeyPair loadDpopKey() throws IOException {
    Object node = Json.get(read(), "dpop_key");
    if (node == Json.MISSING) return null;
    String privateKey = Json.text(Json.get(node, "pkcs8"));
    String publicKey = Json.text(Json.get(node, "spki"));
    ByteString privateBytes = privateKey != null ? ByteString.decodeBase64(privateKey) : null;
    ByteString publicBytes = publicKey != null ? ByteString.decodeBase64(publicKey) : null;
    if (privateBytes == null || publicBytes == null) {
      throw new IOException("The DPoP key in the session file " + file + " is corrupt.");
    }
    try {
      KeyFactory factory = KeyFactory.getInstance("EC");
      PrivateKey secret =
          factory.generatePrivate(new PKCS8EncodedKeySpec(privateBytes.toByteArray()));
      PublicKey open = factory.generatePublic(new X509EncodedKeySpec(publicBytes.toByteArray()));
      return new KeyPair(open, secret);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException("The DPoP key in the session file " + file + " is corrupt.");
    }
  }

  /**
   * Stores the session's DPoP key pair, or deletes it (null).
   *
   * @throws IOException also if the key cannot be exported (a hardware key: give such a key to
   *     {@link TokenPairAuth.Builder#dpop(KeyPair)} instead, which stores nothing).
   */
  @Override
  public void saveDpopKey(@Nullable KeyPair keyPair) throws IOException {
    Map<String, Object> key = null;
    if (keyPair != null) {
      byte[] privateBytes = keyPair.getPrivate().getEncoded();
      byte[] publicBytes = keyPair.getPublic().getEncoded();
      if (privateBytes == null || publicBytes == null) {
        throw new IOException("The DPoP key cannot be exported to the session file.");
      }
      key = new LinkedHashMap<>();
      key.put("pkcs8", DpopKey.base64Url(privateBytes));
      key.put("spki", DpopKey.base64Url(publicBytes));
    }
    saveField("dpop_key", key);
  }

  /** Returns true: this store keeps the session's DPoP key, in the session file. */
  @Override
  public boolean keepsDpopKeys() {
    return true;
  }

  private @Nullable String loadText(String field) throws IOException {
    return Json.text(Json.get(read(), field));
  }

  private void saveField(String field, @Nullable Object value) throws IOException {
    try (Closeable lock = lock()) {
      Map<String, Object> root = readForUpdate();
      if (value != null) {
        root.put(field, value);
      } else {
        root.remove(field);
      }
      write(root);
    }
  }

  @Override
  public List<Cookie> loadCookies() throws IOException {
    Object cookies = Json.get(read(), "cookies");
    if (!(cookies instanceof List)) return Collections.emptyList();
    List<Cookie> result = new ArrayList<>();
    for (Object node : (List<?>) cookies) result.add(CookieJson.toCookie(node, file));
    return result;
  }

  @Override
  public void saveCookies(List<Cookie> cookies) throws IOException {
    try (Closeable lock = lock()) {
      Map<String, Object> root = readForUpdate();
      List<Object> array = new ArrayList<>();
      for (Cookie cookie : cookies) array.add(CookieJson.toJson(cookie));
      root.put("cookies", array);
      write(root);
    }
  }

  /**
   * Takes the lock as {@link #lock(long, TimeUnit)} does, waiting at most 10 seconds, the SDK's
   * default {@linkplain TokenPairAuth.Builder#refreshTimeout refresh timeout}. The store's own
   * writes take it this way.
   *
   * @return the handle; closing it releases this hold.
   * @throws IOException if the lock is not free within 10 seconds, with a message that names the
   *     lock file. {@link java.io.InterruptedIOException} if the thread is interrupted while it
   *     waits.
   */
  @Override
  public Closeable lock() throws IOException {
    return lock(DEFAULT_LOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Takes the lock of this thread's process, then the operating-system lock on {@code <name>.lock},
   * waiting for both together at most {@code timeout}: a process that holds the lock for longer
   * (stopped in a debugger, or another user's) cannot stall the app. The lock file and a folder
   * this store creates are readable and writable by their owner only, where the file system
   * supports that, so other users cannot take the lock.
   *
   * @param timeout the longest wait, more than 0.
   * @param unit the unit of {@code timeout}.
   * @return the handle; closing it releases this hold.
   * @throws IOException if the lock is not free in time, with a message that names the lock file,
   *     or if the lock file cannot be created. {@link java.io.InterruptedIOException} if the thread
   *     is interrupted while it waits.
   */
  @Override
  public Closeable lock(long timeout, TimeUnit unit) throws IOException {
    if (unit == null) throw new NullPointerException("unit == null");
    if (timeout <= 0) throw new IllegalArgumentException("timeout <= 0");
    return pathLock.acquire(timeout, unit);
  }

  /** Reads the file; a missing file is an empty session. */
  private Map<?, ?> read() throws IOException {
    byte[] bytes;
    try (InputStream in = new FileInputStream(file)) {
      bytes = readAll(in);
    } catch (FileNotFoundException e) {
      if (!file.exists()) return Collections.emptyMap();
      throw e;
    }
    Object root;
    try {
      root = Json.parse(bytes);
    } catch (IOException | RuntimeException e) {
      throw new IOException("The session file " + file + " is corrupt.");
    }
    if (!(root instanceof Map)) {
      throw new IOException("The session file " + file + " is corrupt.");
    }
    Number version = Json.number(Json.get(root, "version"));
    if (!(version instanceof Long) || version.longValue() != VERSION) {
      throw new IOException("The session file " + file + " has an unsupported version.");
    }
    return (Map<?, ?>) root;
  }

  /**
   * Reads the file for a change, keeping the fields this version does not know; a corrupt file is
   * replaced by the change. Holds the lock.
   */
  private Map<String, Object> readForUpdate() {
    Map<String, Object> root = new LinkedHashMap<>();
    try {
      for (Map.Entry<?, ?> field : read().entrySet()) {
        root.put(String.valueOf(field.getKey()), field.getValue());
      }
    } catch (IOException e) {
      root.clear();
    }
    return root;
  }

  /**
   * Writes {@code root} to the temporary file, syncs it, then renames it over the file. Holds the
   * lock.
   */
  private void write(Map<String, Object> root) throws IOException {
    root.put("version", VERSION);
    byte[] bytes = Json.write(root);
    File folder = file.getParentFile();
    if (folder != null) PrivateFiles.createFolders(folder);
    tempFile.delete(); // Left by a crash; created anew, owner-only from the start.
    try (FileChannel out = PrivateFiles.createNew(tempFile)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) out.write(buffer);
      out.force(true);
    }
    if (beforeRename != null) beforeRename.run();
    if (!tempFile.renameTo(file)) {
      // Windows refuses to rename over an existing file.
      if (!file.delete() || !tempFile.renameTo(file)) {
        throw new IOException("Cannot replace the session file " + file + ".");
      }
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int n; (n = in.read(buffer)) != -1; ) out.write(buffer, 0, n);
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return "FileSessionStore{" + file + "}";
  }
}
