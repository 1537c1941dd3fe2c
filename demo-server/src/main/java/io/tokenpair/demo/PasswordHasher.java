package io.tokenpair.demo;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * PBKDF2WithHmacSHA256 password hashing with a 16-byte random salt and a 32-byte result, compared
 * in constant time. OWASP recommends {@value DemoConfig#DEFAULT_PASSWORD_ITERATIONS} iterations;
 * tests use fewer. This class is thread-safe.
 */
public final class PasswordHasher {
  static final String ALGORITHM = "PBKDF2WithHmacSHA256";
  static final int SALT_BYTES = 16;
  static final int HASH_BITS = 256;

  private final int iterations;
  private final SecureRandom random = new SecureRandom();
  private final LongAdder derivations = new LongAdder();

  /** A stored hash; never printed. */
  public record Hash(byte[] salt, byte[] hash, int iterations) {
    @Override
    public String toString() {
      return "Hash[" + ALGORITHM + ", iterations=" + iterations + "]";
    }
  }

  public PasswordHasher(int iterations) {
    if (iterations < 1) throw new IllegalArgumentException("iterations < 1");
    this.iterations = iterations;
  }

  public int iterations() {
    return iterations;
  }

  public Hash hash(String password) {
    var salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return new Hash(salt, derive(password, salt, iterations), iterations);
  }

  /**
   * Recomputes the hash of {@code password} and compares it with {@code stored} in constant time.
   */
  public boolean verify(String password, Hash stored) {
    var candidate = derive(password, stored.salt(), stored.iterations());
    return MessageDigest.isEqual(candidate, stored.hash());
  }

  /** How many PBKDF2 derivations this hasher ran: each costs the full iteration count. */
  long derivations() {
    return derivations.sum();
  }

  private byte[] derive(String password, byte[] salt, int iterations) {
    derivations.increment();
    var spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
    try {
      return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " is not available.", e);
    } finally {
      spec.clearPassword();
    }
  }
}
