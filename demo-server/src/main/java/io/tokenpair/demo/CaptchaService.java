package io.tokenpair.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Image captchas for the login: a few digits drawn into a PNG with a built-in bitmap font (no
 * system fonts needed, so it works on a headless JRE). Each captcha is single use and lives {@link
 * #TTL}.
 *
 * <p>A client address may request {@link #MAX_PER_WINDOW} captchas per {@link #WINDOW} (a fixed
 * window from its first request; beyond it {@link Throttled}) and have {@link
 * #MAX_PENDING_PER_ADDRESS} pending, beyond which its own oldest is dropped: a flood from one
 * address never evicts another's captcha. At most {@link #MAX_PENDING} are pending in all (the
 * oldest goes), a bound only a flood from thousands of addresses reaches. This class is
 * thread-safe.
 */
public final class CaptchaService {
  static final Duration TTL = Duration.ofMinutes(2);
  static final int MAX_PENDING = 10_000;

  /** Captchas one client address may request per {@link #WINDOW}. */
  static final int MAX_PER_WINDOW = 30;

  static final Duration WINDOW = Duration.ofMinutes(1);

  /** Captchas one client address may have pending; its oldest goes beyond that. */
  static final int MAX_PENDING_PER_ADDRESS = 10;

  static final int LENGTH = 5;
  static final int WIDTH = 150;
  static final int HEIGHT = 50;

  /** 5x7 glyphs of the digits 0-9, one string of five bits per row. */
  private static final String[][] GLYPHS = {
    {"01110", "10001", "10011", "10101", "11001", "10001", "01110"},
    {"00100", "01100", "00100", "00100", "00100", "00100", "01110"},
    {"01110", "10001", "00001", "00010", "00100", "01000", "11111"},
    {"11111", "00010", "00100", "00010", "00001", "10001", "01110"},
    {"00010", "00110", "01010", "10010", "11111", "00010", "00010"},
    {"11111", "10000", "11110", "00001", "00001", "10001", "01110"},
    {"00110", "01000", "10000", "11110", "10001", "10001", "01110"},
    {"11111", "00001", "00010", "00100", "01000", "01000", "01000"},
    {"01110", "10001", "10001", "01110", "10001", "10001", "01110"},
    {"01110", "10001", "10001", "01111", "00001", "00010", "01100"},
  };

  /** A new captcha: its id, the PNG as a data URL, and the answer (shown only in reveal mode). */
  public record Challenge(String id, String imageDataUrl, String answer) {
    @Override
    public String toString() {
      return "Challenge[id=" + id + "]";
    }
  }

  private record Pending(String answer, Instant expiresAt, String address) {}

  /** An address's requests in its current window. */
  private record Window(Instant start, int requests) {}

  /** Too many captchas requested from one address; {@link #retryAfterSeconds()} says how long. */
  public static final class Throttled extends Exception {
    private static final long serialVersionUID = 1L;
    private final long retryAfterSeconds;

    Throttled(long retryAfterSeconds) {
      super("Too many captchas requested. Try again later.", null, false, false);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Whole seconds until the address may ask again, at least 1. */
    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  private final Clock clock;
  private final Random random;
  private final SecureRandom idRandom = new SecureRandom();

  /** Pending captchas by id. Guarded by {@code pending}; insertion order is age order. */
  private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();

  /** The ids of each address's pending captchas, oldest first. Guarded by {@code pending}. */
  private final Map<String, ArrayDeque<String>> byAddress = new HashMap<>();

  /** Guarded by {@code pending}. */
  private final Map<String, Window> windows = new HashMap<>();

  public CaptchaService(Clock clock) {
    this(clock, new SecureRandom());
  }

  CaptchaService(Clock clock, Random random) {
    this.clock = clock;
    this.random = random;
  }

  /**
   * A new captcha for the client at {@code address}.
   *
   * @throws Throttled when the address has had {@link #MAX_PER_WINDOW} in its window
   */
  public Challenge create(String address) throws Throttled {
    var now = clock.instant();
    synchronized (pending) {
      var window = windows.get(address);
      if (window == null || !now.isBefore(window.start().plus(WINDOW))) {
        if (windows.size() > MAX_PENDING) {
          windows.values().removeIf(w -> !now.isBefore(w.start().plus(WINDOW)));
        }
        window = new Window(now, 0);
      }
      if (window.requests() >= MAX_PER_WINDOW) {
        var wait = Duration.between(now, window.start().plus(WINDOW));
        var seconds = wait.toSeconds() + (wait.minusSeconds(wait.toSeconds()).isZero() ? 0 : 1);
        throw new Throttled(Math.max(1, seconds));
      }
      windows.put(address, new Window(window.start(), window.requests() + 1));
    }
    var answer = new StringBuilder();
    for (int i = 0; i < LENGTH; i++) answer.append((char) ('0' + random.nextInt(10)));
    var idBytes = new byte[16];
    idRandom.nextBytes(idBytes);
    var id = Base64.getUrlEncoder().withoutPadding().encodeToString(idBytes);
    var image = "data:image/png;base64," + Base64.getEncoder().encodeToString(render(answer));
    synchronized (pending) {
      // insertion order is expiry order: the expired ones are the eldest
      for (var i = pending.entrySet().iterator(); i.hasNext(); ) {
        var eldest = i.next();
        if (now.isBefore(eldest.getValue().expiresAt())) break;
        i.remove();
        forget(eldest.getKey(), eldest.getValue().address());
      }
      pending.put(id, new Pending(answer.toString(), now.plus(TTL), address));
      var own = byAddress.computeIfAbsent(address, a -> new ArrayDeque<>());
      own.addLast(id);
      if (own.size() > MAX_PENDING_PER_ADDRESS) pending.remove(own.removeFirst());
      if (pending.size() > MAX_PENDING) {
        var eldest = pending.entrySet().iterator().next();
        pending.remove(eldest.getKey());
        forget(eldest.getKey(), eldest.getValue().address());
      }
    }
    return new Challenge(id, image, answer.toString());
  }

  /** Drops {@code id} from its address's list. Guarded by {@code pending}. */
  private void forget(String id, String address) {
    var own = byAddress.get(address);
    if (own == null) return;
    own.remove(id);
    if (own.isEmpty()) byAddress.remove(address);
  }

  /**
   * Consumes the captcha {@code id} whatever the outcome, and returns whether {@code answer}
   * matches it and it has not expired.
   */
  public boolean verify(String id, String answer) {
    if (id == null || answer == null) return false;
    Pending p;
    synchronized (pending) {
      p = pending.remove(id);
      if (p != null) forget(id, p.address());
    }
    if (p == null || !clock.instant().isBefore(p.expiresAt())) return false;
    return p.answer().equals(answer.strip());
  }

  int pendingCount() {
    synchronized (pending) {
      return pending.size();
    }
  }

  private byte[] render(CharSequence text) {
    var image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    var g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(new Color(245, 245, 240));
      g.fillRect(0, 0, WIDTH, HEIGHT);
      for (int i = 0; i < 120; i++) { // speckles
        g.setColor(randomColor(150, 230));
        g.fillRect(random.nextInt(WIDTH), random.nextInt(HEIGHT), 2, 2);
      }
      int cell = 4;
      for (int i = 0; i < text.length(); i++) {
        var glyph = GLYPHS[text.charAt(i) - '0'];
        int x0 = 10 + i * 27 + random.nextInt(5);
        int y0 = 6 + random.nextInt(12);
        g.setColor(randomColor(20, 110));
        for (int row = 0; row < glyph.length; row++) {
          int shear = (row - 3) * (random.nextInt(3) - 1);
          for (int col = 0; col < 5; col++) {
            if (glyph[row].charAt(col) == '1') {
              g.fillRect(x0 + col * cell + shear, y0 + row * cell, cell, cell);
            }
          }
        }
      }
      g.setStroke(new BasicStroke(1.5f));
      for (int i = 0; i < 5; i++) { // strike-through lines
        g.setColor(randomColor(60, 180));
        g.drawLine(
            random.nextInt(WIDTH / 3),
            random.nextInt(HEIGHT),
            WIDTH - random.nextInt(WIDTH / 3),
            random.nextInt(HEIGHT));
      }
    } finally {
      g.dispose();
    }
    var out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private Color randomColor(int min, int max) {
    return new Color(
        min + random.nextInt(max - min),
        min + random.nextInt(max - min),
        min + random.nextInt(max - min));
  }
}
