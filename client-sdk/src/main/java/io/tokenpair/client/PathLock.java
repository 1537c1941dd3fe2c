package io.tokenpair.client;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One file's lock within this process: a reentrant lock for threads, then the OS lock for
 * processes, taken when a thread first takes the lock and released when it last releases it. {@link
 * FileSessionStore} keeps one per lock file, shared by every instance in this process.
 *
 * <p>Thread-safe.
 */
final class PathLock {
  private final File lockFile;
  private final ReentrantLock threads = new ReentrantLock();

  /** Open while a thread holds {@link #threads}; guarded by it. */
  private RandomAccessFile handle;

  /** Guarded by {@link #threads}. */
  private FileLock processes;

  PathLock(File lockFile) {
    this.lockFile = lockFile;
  }

  Closeable acquire() throws IOException {
    try {
      threads.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("Interrupted while waiting for the session file lock.");
    }
    if (threads.getHoldCount() == 1) {
      try {
        File folder = lockFile.getParentFile();
        if (folder != null) folder.mkdirs();
        handle = new RandomAccessFile(lockFile, "rw");
        processes = handle.getChannel().lock();
      } catch (IOException | RuntimeException e) {
        closeHandle();
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
              closeHandle();
            }
          }
        } finally {
          threads.unlock();
        }
      }
    };
  }

  private void closeHandle() {
    processes = null;
    if (handle != null) {
      try {
        handle.close();
      } catch (IOException ignored) {
        // Closing releases the OS lock in any case.
      }
      handle = null;
    }
  }
}
