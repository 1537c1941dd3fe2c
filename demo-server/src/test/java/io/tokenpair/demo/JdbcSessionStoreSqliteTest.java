package io.tokenpair.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on {@link JdbcSessionStore} with an SQLite file. */
class JdbcSessionStoreSqliteTest extends JdbcSessionStoreContract {
  @TempDir Path dir;

  @Override
  StoreSpec spec() {
    return StoreSpec.sqlite(dir.resolve("data").resolve("sessions.db"));
  }

  @Override
  SessionStore openEmptyStore() {
    return JdbcSessionStore.open(spec());
  }

  @Test
  void createsTheFileAndItsFolderReadableByTheOwnerOnly() throws Exception {
    var file = dir.resolve("data").resolve("sessions.db");
    assertThat(file).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void runsInWalModeSoReadersDoNotBlockTheWriter() throws Exception {
    try (var c = DriverManager.getConnection(spec().jdbcUrl());
        var s = c.createStatement();
        var rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
  }

  @Test
  void anUnopenableFileIsAStoreException() {
    var folder = dir.resolve("a-folder");
    assertThatThrownBy(() -> JdbcSessionStore.open(StoreSpec.sqlite(folder.resolve(".."))))
        .isInstanceOf(SessionStoreException.class)
        .hasMessage("The session store could not create its tables.");
  }
}
