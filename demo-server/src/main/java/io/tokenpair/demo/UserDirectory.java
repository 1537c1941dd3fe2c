package io.tokenpair.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured users with their password hashes. An unknown user is checked against a dummy hash,
 * so that it costs the same time and gets the same answer as a wrong password. This class is
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
  private final Map<String, Entry> byName = new LinkedHashMap<>();
  private final PasswordHasher.Hash dummy;

  public UserDirectory(Map<String, String> passwordsByName, PasswordHasher hasher) {
    this(passwordsByName, hasher, hasher::verify);
  }

  /** Checks passwords with {@code verifier} instead of {@code hasher} (tests count the checks). */
  UserDirectory(Map<String, String> passwordsByName, PasswordHasher hasher, Verifier verifier) {
    this.hasher = hasher;
    this.verifier = verifier;
    int n = 1;
    for (var e : passwordsByName.entrySet()) {
      var user = new User(String.valueOf(n++), e.getKey());
      byName.put(e.getKey(), new Entry(user, hasher.hash(e.getValue())));
    }
    this.dummy = hasher.hash("dummy password for unknown users");
  }

  /** Returns the user when the password matches; empty for a wrong password or unknown user. */
  public Optional<User> authenticate(String username, String password) {
    var entry = byName.get(username);
    var hash = entry != null ? entry.hash() : dummy;
    var matches = verifier.verify(password, hash);
    return matches && entry != null ? Optional.of(entry.user()) : Optional.empty();
  }

  int dummyIterations() {
    return dummy.iterations();
  }

  public List<String> usernames() {
    return List.copyOf(byName.keySet());
  }
}
