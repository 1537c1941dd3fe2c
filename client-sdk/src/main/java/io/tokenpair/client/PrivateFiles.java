package io.tokenpair.client;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;

/**
 * Files and folders that only their owner may read or write, for {@link FileSessionStore}. Where
 * the file system has POSIX permissions (Linux, macOS, Android), they are created {@code rw-------}
 * and {@code rwx------} from the start ({@link PosixFiles}); elsewhere (Windows) with {@code
 * java.io}, and a file's owner-only flags are set right after its creation, where the file system
 * has them. Existing folders are left as they are. Stateless.
 */
final class PrivateFiles {
  private static final boolean POSIX = PosixFiles.supported();

  private PrivateFiles() {}

  /** Creates {@code folder} and its missing parents; does nothing if it exists. */
  static void createFolders(File folder) throws IOException {
    if (POSIX) {
      PosixFiles.createFolders(folder);
    } else if (!folder.isDirectory() && !folder.mkdirs() && !folder.isDirectory()) {
      throw new IOException("Cannot create the folder " + folder + ".");
    }
  }

  /** Opens {@code file} to read and write, creating it owner-only if it is missing. */
  static FileChannel open(File file) throws IOException {
    if (POSIX) return PosixFiles.open(file);
    RandomAccessFile handle = new RandomAccessFile(file, "rw");
    ownerOnly(file);
    return handle.getChannel(); // Closing the channel closes the file.
  }

  /** Creates {@code file}, owner-only, and opens it to write; fails if it exists. */
  static FileChannel createNew(File file) throws IOException {
    if (POSIX) return PosixFiles.createNew(file);
    if (!file.createNewFile()) throw new IOException("The file " + file + " exists already.");
    ownerOnly(file); // Before the secrets go in.
    return new RandomAccessFile(file, "rw").getChannel();
  }

  private static void ownerOnly(File file) {
    // Results ignored: some file systems (FAT, Windows) have no such permissions.
    file.setReadable(false, false);
    file.setReadable(true, true);
    file.setWritable(false, false);
    file.setWritable(true, true);
    file.setExecutable(false, false);
  }
}
