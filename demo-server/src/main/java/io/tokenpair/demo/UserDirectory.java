package io.tokenpair.demo;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

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
  /** A user as the API shows it. */
  public record User(String id, String username) {}

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
  private final PasswordHasher.Hash dummy;

  public UserDirectory(Map<String, String> passwordsByName, PasswordHasher hasher) {
    this(passwordsByName, hasher, hasher::verify);
  }

  /** Checks passwords with {@code verifier} instead of {@code hasher} (tests count the checks). */
  UserDirectory(Map<String, String> passwordsByName, PasswordHasher hasher, Verifier verifier) {
    this.hasher = hasher;
    this.verifier = verifier;
    var passwords = new LinkedHashMap<>(passwordsByName);
    this.usernames = List.copyOf(passwords.keySet());
    this.byName =
        CompletableFuture.supplyAsync(() -> hashAll(passwords, hasher), UserDirectory::daemon);
    this.dummy = dummy(hasher.iterations());
  }

  private static Map<String, Entry> hashAll(Map<String, String> passwords, PasswordHasher hasher) {
    var entries = new LinkedHashMap<String, Entry>();
    int n = 1;
    for (var e : passwords.entrySet()) {
      var user = new User(String.valueOf(n++), e.getKey());
      entries.put(e.getKey(), new Entry(user, hasher.hash(e.getValue())));
    }
    return entries;
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
