package io.tokenpair.client;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Owner-only files and folders through {@code java.nio.file} (Java 7, Android API 26): created with
 * POSIX permissions {@code rw-------} and {@code rwx------} from the start, so that no other user
 * can open them for a moment. Only {@link PrivateFiles} calls it, once {@link #supported()} said
 * the file system has POSIX permissions. Stateless.
 */
final class PosixFiles {
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final FileAttribute<Set<PosixFilePermission>> FILE_ATTRIBUTE =
      PosixFilePermissions.asFileAttribute(FILE);
  private static final FileAttribute<Set<PosixFilePermission>> FOLDER_ATTRIBUTE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  private PosixFiles() {}

  static boolean supported() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code folder} and its missing parents, each {@code rwx------}. */
  static void createFolders(File folder) throws IOException {
    Files.createDirectories(folder.toPath(), FOLDER_ATTRIBUTE);
  }

  /** Opens {@code file} to read and write, creating it {@code rw-------} if it is missing. */
  static FileChannel open(File file) throws IOException {
    Path path = file.toPath();
    Set<StandardOpenOption> options =
        EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileChannel channel = FileChannel.open(path, options, FILE_ATTRIBUTE);
    try {
      // A file that an older version or another program created with wider permissions.
      if (!Files.getPosixFilePermissions(path).equals(FILE)) {
        Files.setPosixFilePermissions(path, FILE);
      }
    } catch (IOException | SecurityException e) {
      // Not ours to change: it stays as it is.
    }
    return channel;
  }

  /** Creates {@code file}, {@code rw-------}, and opens it to write; fails if it exists. */
  static FileChannel createNew(File file) throws IOException {
    Set<StandardOpenOption> options =
        EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return FileChannel.open(file.toPath(), options, FILE_ATTRIBUTE);
  }
}
