package io.tokenpair.client;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Captures what each test prints to {@code System.out}, for the README's printing snippets. */
final class PrintedOutput implements BeforeEachCallback, AfterEachCallback {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private PrintStream original;

  @Override
  public void beforeEach(ExtensionContext context) throws UnsupportedEncodingException {
    original = System.out;
    System.setOut(new PrintStream(printed, true, "UTF-8"));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    System.setOut(original);
  }

  /** Returns what the test has printed so far. */
  String text() {
    return new String(printed.toByteArray(), StandardCharsets.UTF_8);
  }
}
