package io.tokenpair.client;

import java.util.ArrayList;
import java.util.List;

/**
 * A JSON Pointer (RFC 6901), such as {@code /data/access_token}: the empty string is the whole
 * document; otherwise each {@code /} starts a reference token, in which {@code ~1} stands for
 * {@code /} and {@code ~0} for {@code ~}. On an array, a token is an index when it is {@code 0} or
 * a decimal number without leading zeros; anything else (such as {@code -}) finds nothing. {@link
 * Json#at} follows it. Immutable and thread-safe.
 */
final class JsonPointer {
  private final String text;
  private final String[] names;

  private JsonPointer(String text, String[] names) {
    this.text = text;
    this.names = names;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException if it is neither empty nor starts with {@code /}, or has a
   *     {@code ~} not followed by {@code 0} or {@code 1}.
   */
  static JsonPointer compile(String text) {
    if (!text.isEmpty() && text.charAt(0) != '/') {
      throw new IllegalArgumentException("A JSON Pointer is empty or starts with '/'.");
    }
    List<String> names = new ArrayList<>();
    StringBuilder name = new StringBuilder();
    for (int i = 1; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '/';
      if (c == '/') {
        names.add(name.toString());
        name.setLength(0);
      } else if (c != '~') {
        name.append(c);
      } else {
        char escaped = ++i < text.length() ? text.charAt(i) : ' ';
        if (escaped != '0' && escaped != '1') {
          throw new IllegalArgumentException("In a JSON Pointer, '~' is followed by 0 or 1.");
        }
        name.append(escaped == '0' ? '~' : '/');
      }
    }
    if (text.isEmpty()) names.clear();
    return new JsonPointer(text, names.toArray(new String[0]));
  }

  /** The number of reference tokens: 0 for the whole document. */
  int size() {
    return names.length;
  }

  /** The reference token {@code i}, unescaped: a member name. */
  String name(int i) {
    return names[i];
  }

  /** The reference token {@code i} as an array index, or -1 if it is not one. */
  int index(int i) {
    String name = names[i];
    int length = name.length();
    if (length == 0 || length > 10 || (name.charAt(0) == '0' && length > 1)) return -1;
    long index = 0;
    for (int j = 0; j < length; j++) {
      char c = name.charAt(j);
      if (c < '0' || c > '9') return -1;
      index = index * 10 + (c - '0');
    }
    return index <= Integer.MAX_VALUE ? (int) index : -1;
  }

  /** The pointer as written. */
  @Override
  public String toString() {
    return text;
  }
}
