package io.tokenpair.client;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One file's lock within this process: a reentrant lock for threads, then the OS lock for
 * processes, taken when a thread first takes the lock and released when it last releases it. {@link
 * FileSessionStore} keeps one per lock file, shared by every instance in this process.
 *
 * <p>Every wait is bounded: the wait for other threads and the wait for other processes share one
 * deadline, after which {@link #acquire} fails with an {@link IOException} that names the lock
 * file. The OS lock is polled ({@link FileChannel#tryLock()}) with a short backoff, because {@link
 * FileChannel#lock()} cannot be given a time limit. The lock file is created owner-only, so that
 * another user cannot open it to hold its lock.
 *
 * <p>Thread-safe.
 */
final class PathLock {
  /** The longest pause between two attempts at the OS lock. */
  private static final long MAX_PAUSE_MILLIS = 50;

  private final File lockFile;
  private final ReentrantLock threads = new ReentrantLock();

  /** Open while a thread holds {@link #threads}; guarded by it. */
  private FileChannel channel;

  /** Guarded by {@link #threads}. */
  private FileLock processes;

  PathLock(File lockFile) {
    this.lockFile = lockFile;
  }

  /**
   * Takes the lock, waiting at most {@code timeout}; {@link Long#MAX_VALUE} nanoseconds waits
   * without a bound.
   */
  Closeable acquire(long timeout, TimeUnit unit) throws IOException {
    long timeoutNanos = unit.toNanos(timeout);
    long start = System.nanoTime();
    try {
      if (!threads.tryLock(timeoutNanos, TimeUnit.NANOSECONDS)) throw timedOut(timeout, unit);
    } catch (InterruptedException e) {
      throw interrupted();
    }
    if (threads.getHoldCount() == 1) {
      try {
        File folder = lockFile.getParentFile();
        if (folder != null) PrivateFiles.createFolders(folder);
        channel = PrivateFiles.open(lockFile);
        processes = lockProcesses(start, timeoutNanos, timeout, unit);
      } catch (IOException | RuntimeException e) {
        closeChannel();
        threads.unlock();
        throw e;
      }
    }
    return new Closeable() {
      private boolean closed;

      @Override
      public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
          if (threads.getHoldCount() == 1) {
            try {
              if (processes != null) processes.release();
            } finally {
              closeChannel();
            }
          }
        } finally {
          threads.unlock();
        }
      }
    };
  }

  /** Polls for the OS lock until the deadline. Holds {@link #threads}. */
  private FileLock lockProcesses(long start, long timeoutNanos, long timeout, TimeUnit unit)
      throws IOException {
    long pauseMillis = 1;
    while (true) {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // Another handle of this process holds it, as another process would.
      }
      if (lock != null) return lock;
      long remainingNanos = timeoutNanos - (System.nanoTime() - start);
      if (remainingNanos <= 0) throw timedOut(timeout, unit);
      long remainingMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNanos));
      try {
        Thread.sleep(Math.min(pauseMillis, remainingMillis));
      } catch (InterruptedException e) {
        throw interrupted();
      }
      pauseMillis = Math.min(pauseMillis * 2, MAX_PAUSE_MILLIS);
    }
  }

  private IOException timedOut(long timeout, TimeUnit unit) {
    return new IOException(
        "Timed out after "
            + unit.toMillis(timeout)
            + " ms waiting for the session lock "
            + lockFile
            + ".");
  }

  private static InterruptedIOException interrupted() {
    Thread.currentThread().interrupt();
    return new InterruptedIOException("Interrupted while waiting for the session file lock.");
  }

  private void closeChannel() {
    processes = null;
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Closing releases the OS lock in any case.
      }
      channel = null;
    }
  }
}
