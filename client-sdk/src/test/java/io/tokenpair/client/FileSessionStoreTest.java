package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Cookie;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
final class FileSessionStoreTest {
  private static final HttpUrl AUTH = HttpUrl.get("https://api.example.com/auth/refresh");

  @TempDir File folder;

  private File file() {
    return new File(folder, "app/session.json");
  }

  private static Cookie cookie(String header) {
    return Cookie.parse(AUTH, header);
  }

  @Test
  void missingFileIsAnEmptySession() throws IOException {
    FileSessionStore store = FileSessionStore.of(file());
    assertThat(store.loadAccessToken()).isNull();
    assertThat(store.loadCookies()).isEmpty();
  }

  @Test
  void tokenAndCookiesSurviveANewInstance() throws IOException {
    FileSessionStore store = FileSessionStore.of(file());
    Cookie rt = cookie("rt=r1; Path=/auth; HttpOnly; Secure; SameSite=Strict; Max-Age=600");
    Cookie domain = cookie("pref=p; Domain=example.com; Path=/; Max-Age=600");
    Cookie session = cookie("session=s; Path=/");
    store.saveCookies(Arrays.asList(rt, domain, session));
    store.saveAccessToken("access-1");

    FileSessionStore reopened = FileSessionStore.of(file());
    assertThat(reopened.loadAccessToken()).isEqualTo("access-1");
    List<Cookie> cookies = reopened.loadCookies();
    assertThat(cookies).containsExactly(rt, domain, session);
    assertThat(cookies.get(0).sameSite()).isEqualTo("Strict");
    assertThat(cookies.get(0).hostOnly()).isTrue();
    assertThat(cookies.get(1).hostOnly()).isFalse();
    assertThat(cookies.get(0).persistent()).isTrue();
    assertThat(cookies.get(2).persistent()).isFalse(); // Still a session cookie when sent.
  }

  @Test
  void clearingTheTokenKeepsTheCookies() throws IOException {
    FileSessionStore store = FileSessionStore.of(file());
    store.saveAccessToken("access-1");
    store.saveCookies(Collections.singletonList(cookie("rt=r1; Path=/auth; Max-Age=600")));
    store.saveAccessToken(null);
    assertThat(store.loadAccessToken()).isNull();
    assertThat(store.loadCookies()).hasSize(1);
  }

  @Test
  void cookiesOnlyStoreNeverWritesTheToken() throws IOException {
    FileSessionStore store = FileSessionStore.cookiesOnly(file());
    store.saveAccessToken("access-1");
    store.saveCookies(Collections.singletonList(cookie("rt=r1; Path=/auth; Max-Age=600")));
    assertThat(store.loadAccessToken()).isEqualTo("access-1");
    assertThat(new String(Files.readAllBytes(file().toPath()), StandardCharsets.UTF_8))
        .doesNotContain("access-1")
        .contains("r1");
    assertThat(FileSessionStore.cookiesOnly(file()).loadAccessToken()).isNull();
  }

  @Test
  void filesAreReadableByTheirOwnerOnly() throws IOException {
    FileSessionStore store = FileSessionStore.of(file());
    store.saveAccessToken("access-1");
    assertThat(Files.getPosixFilePermissions(file().toPath()))
        .isEqualTo(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
  }

  @Test
  void corruptFileIsUnreadableAndReplacedByTheNextWrite() throws IOException {
    file().getParentFile().mkdirs();
    Files.write(
        file().toPath(), "{\"version\":1,\"access_token\":".getBytes(StandardCharsets.UTF_8));
    FileSessionStore store = FileSessionStore.of(file());
    assertThatThrownBy(store::loadAccessToken)
        .isInstanceOf(IOException.class)
        .hasMessage("The session file " + file() + " is corrupt.");
    store.saveAccessToken("access-2");
    assertThat(store.loadAccessToken()).isEqualTo("access-2");
  }

  @Test
  void unknownVersionIsUnreadable() throws IOException {
    file().getParentFile().mkdirs();
    Files.write(file().toPath(), "{\"version\":2}".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> FileSessionStore.of(file()).loadCookies())
        .hasMessage("The session file " + file() + " has an unsupported version.");
  }

  @Test
  void crashBeforeTheRenameLeavesThePreviousFileIntact() throws IOException {
    FileSessionStore.of(file()).saveAccessToken("access-1");
    FileSessionStore crashing =
        new FileSessionStore(
            file(),
            true,
            () -> {
              throw new IllegalStateException("power cut");
            });
    assertThatThrownBy(() -> crashing.saveAccessToken("access-2"))
        .isInstanceOf(IllegalStateException.class);

    assertThat(new File(folder, "app/session.json.tmp")).exists(); // Half-done work, never read.
    FileSessionStore next = FileSessionStore.of(file());
    assertThat(next.loadAccessToken()).isEqualTo("access-1");
    next.saveAccessToken("access-3");
    assertThat(next.loadAccessToken()).isEqualTo("access-3");
  }

  @Test
  void lockIsReentrantAndExcludesOtherThreadsAndInstances() throws Exception {
    FileSessionStore store = FileSessionStore.of(file());
    FileSessionStore sameFile = FileSessionStore.of(file());
    CountDownLatch otherWaiting = new CountDownLatch(1);
    AtomicBoolean otherHolds = new AtomicBoolean();
    Thread other;
    try (Closeable outer = store.lock();
        Closeable inner = store.lock()) {
      store.saveAccessToken("under-lock"); // Takes the lock again inside.
      other =
          new Thread(
              () -> {
                otherWaiting.countDown();
                try (Closeable lock = sameFile.lock()) {
                  otherHolds.set(true);
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              });
      other.start();
      otherWaiting.await();
      // Parked in the bounded wait for the lock (it fails the test if the wait ends first).
      while (other.getState() != Thread.State.TIMED_WAITING && other.isAlive()) Thread.yield();
      assertThat(other.isAlive()).isTrue();
      assertThat(otherHolds).isFalse();
    }
    other.join();
    assertThat(otherHolds).isTrue();
  }

  private File lockFile() {
    return new File(folder, "app/session.json.lock");
  }

  private static Set<PosixFilePermission> permissions(File file) throws IOException {
    return Files.getPosixFilePermissions(file.toPath());
  }

  @Test
  void lockFileTempFileAndFolderAreOwnerOnly() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    File tempFile = new File(folder, "app/session.json.tmp");
    AtomicReference<Set<PosixFilePermission>> tempPermissions = new AtomicReference<>();
    FileSessionStore store =
        new FileSessionStore(
            file(),
            true,
            () -> {
              try {
                tempPermissions.set(permissions(tempFile));
              } catch (IOException e) {
                throw new AssertionError(e);
              }
            });
    store.saveAccessToken("access-1");

    assertThat(tempPermissions.get()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(permissions(file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(permissions(lockFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(permissions(file().getParentFile()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void lockWaitEndsAtItsTimeoutWhileAnotherHandleHoldsTheFileLock() throws Exception {
    FileSessionStore store = FileSessionStore.of(file());
    lockFile().getParentFile().mkdirs();
    try (FileChannel other =
            FileChannel.open(
                lockFile().toPath(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = other.lock()) {
      assertThatThrownBy(() -> store.lock(50, TimeUnit.MILLISECONDS))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(InterruptedIOException.class)
          .hasMessage("Timed out after 50 ms waiting for the session lock " + lockFile() + ".");
    }
    try (Closeable lock = store.lock(10, TimeUnit.SECONDS)) {
      store.saveAccessToken("after"); // Released with the other handle.
    }
    assertThat(store.loadAccessToken()).isEqualTo("after");
  }

  @Test
  void lockWaitEndsAtItsTimeoutWhileAnotherThreadHoldsTheLock() throws Exception {
    FileSessionStore store = FileSessionStore.of(file());
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder =
        new Thread(
            () -> {
              try (Closeable lock = store.lock()) {
                held.countDown();
                release.await();
              } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    holder.start();
    try {
      held.await();
      assertThatThrownBy(() -> FileSessionStore.of(file()).lock(50, TimeUnit.MILLISECONDS))
          .isInstanceOf(IOException.class)
          .hasMessage("Timed out after 50 ms waiting for the session lock " + lockFile() + ".");
    } finally {
      release.countDown();
      holder.join();
    }
  }
}
