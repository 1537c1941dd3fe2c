package io.tokenpair.demo;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The configured users with their password hashes. An unknown user is checked against a dummy hash
 * of the same iteration count, so that it costs the same time and gets the same answer as a wrong
 * password.
 *
 * <p>The users' passwords are hashed on a background thread started by the constructor, so that the
 * server answers before the hashing (about 0.2 s per user at 600,000 iterations) is done. Every
 * {@link #authenticate} call, for a known user or not, first waits for it. The dummy needs no
 * hashing: a random salt and a random result, which no password derives to. This class is
 * thread-safe.
 */
public final class UserDirectory {
  /**
   * A user.
   *
   * @param id the user's id, the tokens' {@code sub}: derived from the name alone ({@link #idOf}),
   *     so it stays the user's whatever the order or number of {@code --user} flags
   * @param username the name
   * @param credential a stamp of the name and password (an HMAC under the server's key): a refresh
   *     token carries it, and a session whose stamp no longer matches ended with a password change
   */
  public record User(String id, String username, String credential) {
    @Override
    public String toString() {
      return "User[id=" + id + ", username=" + username + "]";
    }
  }

  private record Entry(User user, PasswordHasher.Hash hash) {}

  /** Checks a password against a stored hash; must be thread-safe. */
  @FunctionalInterface
  interface Verifier {
    boolean verify(String password, PasswordHasher.Hash stored);
  }

  private final PasswordHasher hasher;
  private final Verifier verifier;
  private final List<String> usernames;
  private final CompletableFuture<Map<String, Entry>> byName;
  private final Map<String, User> users;
  private final PasswordHasher.Hash dummy;

  /** Users whose credential stamps are keyed at random: they change with each instance. */
  public UserDirectory(Map<String, String> passwordsByName, PasswordHasher hasher) {
    this(passwordsByName, hasher, hasher::verify, randomKey());
  }

  /**
   * Checks passwords with {@code verifier} instead of {@code hasher} (tests count the checks), and
   * stamps credentials with {@code credentialKey}, which must stay the same across restarts for
   * sessions to survive them (the server uses a key derived from its refresh-token secret).
   */
  UserDirectory(
      Map<String, String> passwordsByName,
      PasswordHasher hasher,
      Verifier verifier,
      byte[] credentialKey) {
    this.hasher = hasher;
    this.verifier = verifier;
    var passwords = new LinkedHashMap<>(passwordsByName);
    this.usernames = List.copyOf(passwords.keySet());
    var known = new LinkedHashMap<String, User>();
    for (var e : passwords.entrySet()) {
      var name = e.getKey();
      known.put(name, new User(idOf(name), name, credential(credentialKey, name, e.getValue())));
    }
    this.users = Map.copyOf(known);
    this.byName =
        CompletableFuture.supplyAsync(
            () -> hashAll(passwords, known, hasher), UserDirectory::daemon);
    this.dummy = dummy(hasher.iterations());
  }

  /** The id of the user named {@code username}: the same on every server, whatever the flags. */
  static String idOf(String username) {
    try {
      var digest =
          MessageDigest.getInstance("SHA-256")
              .digest(("tokenpair-user:" + username).getBytes(StandardCharsets.UTF_8));
      return "u-" + HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String credential(byte[] key, String username, String password) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      var stamp = mac.doFinal((username + '\0' + password).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(stamp, 12));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] randomKey() {
    var key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  private static Map<String, Entry> hashAll(
      Map<String, String> passwords, Map<String, User> users, PasswordHasher hasher) {
    var entries = new LinkedHashMap<String, Entry>();
    for (var e : passwords.entrySet()) {
      entries.put(e.getKey(), new Entry(users.get(e.getKey()), hasher.hash(e.getValue())));
    }
    return entries;
  }

  /** The user named {@code username} (exactly), or empty; never waits for the hashing. */
  public Optional<User> find(String username) {
    return Optional.ofNullable(users.get(username));
  }

  private static void daemon(Runnable task) {
    var thread = new Thread(task, "tokenpair-password-hashing");
    thread.setDaemon(true);
    thread.start();
  }

  private static PasswordHasher.Hash dummy(int iterations) {
    var random = new SecureRandom();
    var salt = new byte[PasswordHasher.SALT_BYTES];
    var hash = new byte[PasswordHasher.HASH_BITS / 8];
    random.nextBytes(salt);
    random.nextBytes(hash);
    return new PasswordHasher.Hash(salt, hash, iterations);
  }

  /**
   * Returns the user when the password matches; empty for a wrong password or unknown user. Waits
   * for the users' hashes first.
   *
   * @throws IllegalStateException if the hashes could not be computed
   */
  public Optional<User> authenticate(String username, String password) {
    var entry = entries().get(username);
    var hash = entry != null ? entry.hash() : dummy;
    var matches = verifier.verify(password, hash);
    return matches && entry != null ? Optional.of(entry.user()) : Optional.empty();
  }

  /** The users and their hashes, once hashed. */
  private Map<String, Entry> entries() {
    try {
      return byName.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) throw cause;
      throw e;
    }
  }

  int dummyIterations() {
    return dummy.iterations();
  }

  public List<String> usernames() {
    return usernames;
  }
}
