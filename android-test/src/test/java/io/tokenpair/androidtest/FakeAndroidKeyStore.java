package io.tokenpair.androidtest;

import android.security.keystore.KeyGenParameterSpec;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.InvalidAlgorithmParameterException;
import java.security.Key;
import java.security.KeyStoreSpi;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Collections;
import java.util.Date;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.KeyGeneratorSpi;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Robolectric has no AndroidKeyStore: this provider, registered under that name, keeps AES keys in
 * memory ({@code KeyStore.getInstance("AndroidKeyStore")} and {@code
 * KeyGenerator.getInstance("AES", "AndroidKeyStore")}), and lets a test invalidate or lose a key as
 * a device does.
 */
public final class FakeAndroidKeyStore extends Provider {
  private static final long serialVersionUID = 1L;
  private static final Map<String, SecretKey> KEYS = new ConcurrentHashMap<>();

  private FakeAndroidKeyStore() {
    super("AndroidKeyStore", 1.0, "In-memory AndroidKeyStore for tests");
    put("KeyStore.AndroidKeyStore", Store.class.getName());
    put("KeyGenerator.AES", Generator.class.getName());
  }

  /**
   * Registers the provider, replacing one that an earlier Robolectric sandbox registered (its
   * classes, and so its keys, belong to that sandbox's class loader), and forgets every key.
   */
  public static void install() {
    Security.removeProvider("AndroidKeyStore");
    Security.addProvider(new FakeAndroidKeyStore());
    KEYS.clear();
  }

  /** Returns how many keys the keystore holds. */
  public static int keyCount() {
    return KEYS.size();
  }

  /**
   * Replaces every key with one that no cipher accepts, as the system does when it invalidates a
   * key ({@code KeyPermanentlyInvalidatedException}, an {@code InvalidKeyException}).
   */
  public static void invalidateKeys() {
    KEYS.replaceAll((alias, key) -> new InvalidatedKey());
  }

  /** Loses every key, as a restore onto another device does. */
  public static void loseKeys() {
    KEYS.clear();
  }

  /** A key whose material is gone. */
  private static final class InvalidatedKey implements SecretKey {
    private static final long serialVersionUID = 1L;

    @Override
    public String getAlgorithm() {
      return "AES";
    }

    @Override
    public String getFormat() {
      return null;
    }

    @Override
    public byte[] getEncoded() {
      return null;
    }
  }

  /** The keystore: aliases to keys. */
  public static final class Store extends KeyStoreSpi {
    @Override
    public Key engineGetKey(String alias, char[] password) {
      return KEYS.get(alias);
    }

    @Override
    public Certificate[] engineGetCertificateChain(String alias) {
      return null;
    }

    @Override
    public Certificate engineGetCertificate(String alias) {
      return null;
    }

    @Override
    public Date engineGetCreationDate(String alias) {
      return null;
    }

    @Override
    public void engineSetKeyEntry(String alias, Key key, char[] password, Certificate[] chain) {
      KEYS.put(alias, (SecretKey) key);
    }

    @Override
    public void engineSetKeyEntry(String alias, byte[] key, Certificate[] chain) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void engineSetCertificateEntry(String alias, Certificate cert) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void engineDeleteEntry(String alias) {
      KEYS.remove(alias);
    }

    @Override
    public Enumeration<String> engineAliases() {
      return Collections.enumeration(KEYS.keySet());
    }

    @Override
    public boolean engineContainsAlias(String alias) {
      return KEYS.containsKey(alias);
    }

    @Override
    public int engineSize() {
      return KEYS.size();
    }

    @Override
    public boolean engineIsKeyEntry(String alias) {
      return KEYS.containsKey(alias);
    }

    @Override
    public boolean engineIsCertificateEntry(String alias) {
      return false;
    }

    @Override
    public String engineGetCertificateAlias(Certificate cert) {
      return null;
    }

    @Override
    public void engineStore(OutputStream stream, char[] password) {}

    @Override
    public void engineLoad(InputStream stream, char[] password) {}
  }

  /** Generates AES keys into the keystore, from a {@link KeyGenParameterSpec}. */
  public static final class Generator extends KeyGeneratorSpi {
    private final SecureRandom random = new SecureRandom();
    private KeyGenParameterSpec spec;

    @Override
    protected void engineInit(SecureRandom random) {
      throw new UnsupportedOperationException("AndroidKeyStore needs a KeyGenParameterSpec");
    }

    @Override
    protected void engineInit(AlgorithmParameterSpec params, SecureRandom random)
        throws InvalidAlgorithmParameterException {
      if (!(params instanceof KeyGenParameterSpec)) {
        throw new InvalidAlgorithmParameterException("not a KeyGenParameterSpec");
      }
      spec = (KeyGenParameterSpec) params;
    }

    @Override
    protected void engineInit(int keysize, SecureRandom random) {
      throw new UnsupportedOperationException("AndroidKeyStore needs a KeyGenParameterSpec");
    }

    @Override
    protected SecretKey engineGenerateKey() {
      byte[] material = new byte[spec.getKeySize() / 8];
      random.nextBytes(material);
      SecretKey key = new SecretKeySpec(material, "AES");
      KEYS.put(spec.getKeystoreAlias(), key);
      return key;
    }
  }
}
