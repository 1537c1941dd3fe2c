package io.tokenpair.demo;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where sessions live, as given by {@code --store}: {@code memory}, {@code sqlite:PATH} or {@code
 * jdbc:postgresql://HOST[:PORT]/DB?user=...&password=...}.
 *
 * <p>{@link #toString()} masks a password in the URL. This class is thread-safe.
 *
 * @param kind the kind of store
 * @param location the SQLite file or the PostgreSQL JDBC URL; empty for {@link Kind#MEMORY}
 */
public record StoreSpec(Kind kind, String location) {
  private static final Pattern PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");

  /** The in-memory store: fast, and every session ends with the process. */
  public static final StoreSpec MEMORY = new StoreSpec(Kind.MEMORY, "");

  /** The kinds of session store. */
  public enum Kind {
    /** {@link InMemorySessionStore}. */
    MEMORY,
    /** {@link JdbcSessionStore} on an embedded SQLite file: durable, one machine. */
    SQLITE,
    /** {@link JdbcSessionStore} on PostgreSQL: durable, shared by several server instances. */
    POSTGRESQL
  }

  public StoreSpec {
    Objects.requireNonNull(kind, "kind == null");
    Objects.requireNonNull(location, "location == null");
    if (kind != Kind.MEMORY && location.isBlank()) {
      throw new IllegalArgumentException("A " + kind + " store needs a location.");
    }
  }

  /** An SQLite store in {@code file}. */
  public static StoreSpec sqlite(Path file) {
    return new StoreSpec(Kind.SQLITE, file.toString());
  }

  /** A PostgreSQL store at {@code jdbcUrl}, which starts with {@code jdbc:postgresql:}. */
  public static StoreSpec postgresql(String jdbcUrl) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("A PostgreSQL URL starts with jdbc:postgresql:.");
    }
    return new StoreSpec(Kind.POSTGRESQL, jdbcUrl);
  }

  /**
   * Parses a {@code --store} value.
   *
   * @throws ConfigException naming the accepted forms; the message masks any password
   */
  public static StoreSpec parse(String value) {
    var v = value.strip();
    if (v.equals("memory")) return MEMORY;
    if (v.startsWith("sqlite:") && v.length() > "sqlite:".length()) {
      return new StoreSpec(Kind.SQLITE, v.substring("sqlite:".length()));
    }
    if (v.startsWith("jdbc:postgresql://") && v.length() > "jdbc:postgresql://".length()) {
      return new StoreSpec(Kind.POSTGRESQL, v);
    }
    throw new ConfigException(
        "Flag --store must be memory, sqlite:PATH or jdbc:postgresql://HOST[:PORT]/DB?user=U"
            + "&password=P, got '"
            + mask(v)
            + "'.");
  }

  /** The JDBC URL of this store; not for {@link Kind#MEMORY}. */
  String jdbcUrl() {
    return switch (kind) {
      case MEMORY -> throw new IllegalStateException("The memory store has no JDBC URL.");
      case SQLITE -> "jdbc:sqlite:" + location;
      case POSTGRESQL -> location;
    };
  }

  /** The {@code --store} value, with any password replaced by {@code ██}. */
  @Override
  public String toString() {
    return switch (kind) {
      case MEMORY -> "memory";
      case SQLITE -> "sqlite:" + location;
      case POSTGRESQL -> mask(location);
    };
  }

  static String mask(String value) {
    return PASSWORD.matcher(value).replaceAll("$1██");
  }
}
