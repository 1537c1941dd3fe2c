package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
final class TokenRefresherTest {
  private final FakeClock clock = new FakeClock();
  private final AtomicInteger calls = new AtomicInteger();
  private final ExecutorService callers = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    callers.shutdownNow();
  }

  private TokenRefresher refresher(TokenRefresher.RefreshFunction function) {
    return new TokenRefresher(
        flight -> function.refresh(),
        TimeUnit.MILLISECONDS.toNanos(300),
        0,
        RefreshThread.newExecutor(),
        clock);
  }

  /** Waits for {@code latch}; an interrupt becomes the IOException a refresh function may throw. */
  private static void await(CountDownLatch latch) throws IOException {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new InterruptedIOException("interrupted");
    }
  }

  private TokenRefresher counting() {
    return refresher(() -> "token-" + calls.incrementAndGet());
  }

  @Test
  void concurrentCallersShareOneRefresh() throws Exception {
    int n = 16;
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenRefresher refresher =
        refresher(
            () -> {
              calls.incrementAndGet();
              started.countDown();
              await(release);
              return "shared";
            });
    CyclicBarrier barrier = new CyclicBarrier(n);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      results.add(
          callers.submit(
              () -> {
                barrier.await();
                return refresher.tryRefresh("old");
              }));
    }
    Waiters.awaitRefreshWaiters(refresher, n);
    release.countDown();
    for (Future<String> result : results) assertThat(result.get()).isEqualTo("shared");
    assertThat(calls).hasValue(1);
  }

  @Test
  void waitersShareTheFailureEachWithItsOwnException() throws Exception {
    IOException failure = new IOException("boom");
    CountDownLatch release = new CountDownLatch(1);
    TokenRefresher refresher =
        refresher(
            () -> {
              calls.incrementAndGet();
              await(release);
              throw failure;
            });
    Future<?> first = callers.submit(() -> refresher.tryRefresh());
    while (!refresher.isRefreshing()) Thread.yield();
    Future<?> second = callers.submit(() -> refresher.tryRefresh());
    Waiters.awaitRefreshWaiters(refresher, 2);
    release.countDown();
    List<Throwable> thrown = new ArrayList<>();
    for (Future<?> future : new Future<?>[] {first, second}) {
      try {
        future.get();
      } catch (java.util.concurrent.ExecutionException e) {
        thrown.add(e.getCause());
      }
    }
    assertThat(thrown).hasSize(2);
    assertThat(thrown.get(0)).isNotSameAs(thrown.get(1));
    for (Throwable t : thrown) {
      assertThat(t).isInstanceOf(IOException.class).hasMessage("The token refresh failed.");
      assertThat(t.getCause()).isSameAs(failure);
    }
    assertThat(calls).hasValue(1);
  }

  @Test
  void freshTokenIsReusedWithinTheGraceWindow() throws Exception {
    TokenRefresher refresher = counting();
    assertThat(refresher.tryRefresh()).isEqualTo("token-1");
    clock.advance(299, TimeUnit.MILLISECONDS);
    assertThat(refresher.tryRefresh()).isEqualTo("token-1");
    assertThat(calls).hasValue(1);
  }

  @Test
  void refreshesAgainOnceTheGraceWindowHasPassed() throws Exception {
    TokenRefresher refresher = counting();
    refresher.tryRefresh();
    clock.advance(300, TimeUnit.MILLISECONDS);
    assertThat(refresher.tryRefresh()).isEqualTo("token-2");
    assertThat(calls).hasValue(2);
  }

  @Test
  void tokenThatJustFailedIsNotHandedBackFromTheGraceWindow() throws Exception {
    TokenRefresher refresher = counting();
    refresher.tryRefresh();
    assertThat(refresher.tryRefresh("token-1")).isEqualTo("token-2");
    assertThat(refresher.tryRefresh("token-1")).isEqualTo("token-2");
    assertThat(calls).hasValue(2);
  }

  @Test
  void failureIsNotCachedSoTheNextCallRefreshesAgain() throws Exception {
    TokenRefresher refresher =
        refresher(
            () -> {
              if (calls.incrementAndGet() == 1) throw new IOException("offline");
              return "token";
            });
    assertThatThrownBy(refresher::tryRefresh).isInstanceOf(IOException.class);
    assertThat(refresher.tryRefresh()).isEqualTo("token");
    assertThat(calls).hasValue(2);
  }

  @Test
  void resetForgetsTheGraceWindowToken() throws Exception {
    TokenRefresher refresher = counting();
    refresher.tryRefresh();
    refresher.reset();
    assertThat(refresher.tryRefresh()).isEqualTo("token-2");
  }

  @Test
  void runtimeExceptionBecomesAnIOException() {
    TokenRefresher refresher =
        refresher(
            () -> {
              throw new IllegalStateException("bug");
            });
    assertThatThrownBy(refresher::tryRefresh)
        .isInstanceOf(IOException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void interruptedWaiterLeavesTheRefreshRunningForEveryoneElse() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenRefresher refresher =
        refresher(
            () -> {
              calls.incrementAndGet();
              started.countDown();
              await(release);
              return "kept";
            });
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread waiter =
        new Thread(
            () -> {
              try {
                refresher.tryRefresh();
              } catch (IOException e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
              }
            });
    waiter.start();
    started.await();
    waiter.interrupt();
    waiter.join();
    assertThat(thrown.get())
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("Interrupted while waiting for the token refresh.");
    assertThat(flag.get()).isTrue();

    assertThat(refresher.isRefreshing()).isTrue();
    release.countDown();
    assertThat(refresher.tryRefresh()).isEqualTo("kept");
    assertThat(calls).hasValue(1);
  }

  @Test
  void waitTimeoutGivesUpWithoutCancellingTheRefresh() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    TokenRefresher refresher =
        new TokenRefresher(
            flight -> {
              calls.incrementAndGet();
              await(release);
              return "late";
            },
            TimeUnit.MILLISECONDS.toNanos(300),
            TimeUnit.MILLISECONDS.toNanos(50),
            RefreshThread.newExecutor(),
            clock);
    assertThatThrownBy(refresher::tryRefresh)
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("The token refresh did not finish within 50 ms.");
    assertThat(refresher.isRefreshing()).isTrue();
    release.countDown();
    while (refresher.isRefreshing())
      Thread.yield(); // Not a wait for the caller: a 50 ms one could time out.
    assertThat(refresher.tryRefresh())
        .isEqualTo("late"); // From the grace window: the result was kept.
    assertThat(calls).hasValue(1);
  }

  @Test
  void publicConstructorRejectsNegativeDurations() {
    assertThatThrownBy(() -> new TokenRefresher(() -> "t", -1, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("graceWindow < 0");
  }

  @Test
  void resetDuringARefreshKeepsItsTokenOutOfTheGraceWindow() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TokenRefresher refresher =
        refresher(
            () -> {
              if (calls.incrementAndGet() == 1) {
                started.countDown();
                await(release);
                return "before-the-reset";
              }
              return "after-the-reset";
            });
    Future<String> first = callers.submit(() -> refresher.tryRefresh("old"));
    started.await(10, TimeUnit.SECONDS);
    refresher.reset(); // A sign-out or sign-in while the refresh runs.
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("before-the-reset");
    // Within the grace window, but the window must not hand out the old owner's token.
    assertThat(refresher.tryRefresh("other")).isEqualTo("after-the-reset");
    assertThat(calls).hasValue(2);
  }
}
