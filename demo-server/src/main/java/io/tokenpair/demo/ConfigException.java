package io.tokenpair.demo;

/** A flag, environment variable or secret that cannot be used; the message says which and why. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
