package io.tokenpair.bench;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP proxy on 127.0.0.1 that forwards every connection to the upstream port of the moment and
 * cuts a fraction of the HTTP/1.1 responses partway through, the way a mobile network loses an
 * answer: the server has done the work (a refresh has rotated), the client never sees the whole
 * answer.
 *
 * <p>A response starts when the server sends bytes after the client has sent a request on that
 * connection (HTTP/1.1 without pipelining, as OkHttp speaks it). Each response is cut with
 * probability {@code cutProbability}: the proxy collects the whole response (headers and a {@code
 * Content-Length} body), forwards a prefix of uniformly random length from 0 to one byte short of
 * the whole, then resets both sides ({@code SO_LINGER} 0). So a cut lands in the status line, the
 * headers or the body, and always ends its connection. Each cut is recorded under the client's port
 * before the reset, so that the client can attribute it to its call.
 *
 * <p>When the upstream cannot be reached (the server is down), the client's connection is reset at
 * once. This class is thread-safe.
 */
final class CuttingProxy implements Closeable {
  /** One cut: when, on which client port, and how much of the response went through. */
  record Cut(int clientPort, long atNanos, int forwarded, int length, boolean inHeaders) {}

  private static final Pattern CONTENT_LENGTH =
      Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");
  private static final int MAX_COLLECT = 1 << 20;

  private final ServerSocket server;
  private final double cutProbability;
  private final AtomicInteger upstreamPort = new AtomicInteger(-1);
  private final Map<Integer, Cut> lastCutByPort = new ConcurrentHashMap<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "soak-proxy");
            t.setDaemon(true);
            return t;
          });
  private final LongAdder connections = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder responses = new LongAdder();
  private final LongAdder cuts = new LongAdder();
  private final LongAdder cutsInHeaders = new LongAdder();
  private volatile boolean closed;

  /**
   * Listens on an ephemeral loopback port; forwards nothing until {@link #upstream} is set.
   *
   * @param cutProbability the probability, from 0 to 1, that a response is cut.
   */
  CuttingProxy(double cutProbability) throws IOException {
    if (!(cutProbability >= 0 && cutProbability <= 1)) {
      throw new IllegalArgumentException("cutProbability must be in [0, 1]");
    }
    this.cutProbability = cutProbability;
    this.server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  /** The port clients connect to. */
  int port() {
    return server.getLocalPort();
  }

  /** Sends new connections to {@code port} on 127.0.0.1 from now on. */
  void upstream(int port) {
    upstreamPort.set(port);
  }

  /**
   * Returns the last cut on a connection from the client port {@code clientPort} made at or after
   * {@code sinceNanos} ({@link System#nanoTime()}), or null.
   */
  Cut cutSince(int clientPort, long sinceNanos) {
    Cut cut = lastCutByPort.get(clientPort);
    return cut != null && cut.atNanos() - sinceNanos >= 0 ? cut : null;
  }

  long connections() {
    return connections.sum();
  }

  /** Connections reset at once because the upstream refused them (the server was down). */
  long refused() {
    return refused.sum();
  }

  long responses() {
    return responses.sum();
  }

  long cuts() {
    return cuts.sum();
  }

  /** Cuts that forwarded less than the whole header block. */
  long cutsInHeaders() {
    return cutsInHeaders.sum();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) return;
        continue;
      }
      connections.increment();
      open.add(client);
      threads.execute(() -> serve(client));
    }
  }

  private void serve(Socket client) {
    Socket upstream = new Socket();
    open.add(upstream);
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort.get()), 2_000);
    } catch (IOException | IllegalArgumentException e) {
      refused.increment();
      abort(client);
      abort(upstream);
      return;
    }
    Link link = new Link(client, upstream);
    threads.execute(link::pumpRequests);
    link.pumpResponses();
  }

  /** One proxied connection: two pumps, one per direction, on their own threads. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;

    /** Set by the request pump before it forwards bytes; cleared when a response starts. */
    private volatile boolean requestPending;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void pumpRequests() {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = client.getInputStream()) {
        OutputStream out = upstream.getOutputStream();
        int n;
        while ((n = in.read(buffer)) > 0) {
          requestPending = true; // Before the write: the answer cannot come before the request.
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // Either side went away: close both below.
      } finally {
        close();
      }
    }

    void pumpResponses() {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = upstream.getInputStream()) {
        OutputStream out = client.getOutputStream();
        int n;
        while ((n = in.read(buffer)) > 0) {
          if (requestPending) {
            requestPending = false;
            responses.increment();
            if (ThreadLocalRandom.current().nextDouble() < cutProbability) {
              cut(in, out, buffer, n);
              return;
            }
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // Either side went away: close both below.
      } finally {
        close();
      }
    }

    /** Collects the response that starts with {@code buffer[0, n)}, forwards a prefix, resets. */
    private void cut(InputStream in, OutputStream out, byte[] buffer, int n) throws IOException {
      ByteArrayOutputStream collected = new ByteArrayOutputStream();
      collected.write(buffer, 0, n);
      int headerLength = -1;
      int total = -1;
      while (true) {
        byte[] bytes = collected.toByteArray();
        if (headerLength < 0) headerLength = headerEnd(bytes);
        if (headerLength >= 0 && total < 0) {
          String head = new String(bytes, 0, headerLength, StandardCharsets.ISO_8859_1);
          Matcher m = CONTENT_LENGTH.matcher(head);
          total = m.find() ? headerLength + Integer.parseInt(m.group(1)) : bytes.length;
        }
        if ((total >= 0 && bytes.length >= total) || bytes.length > MAX_COLLECT) break;
        int more = in.read(buffer);
        if (more <= 0) break;
        collected.write(buffer, 0, more);
      }
      byte[] bytes = collected.toByteArray();
      int length = total >= 0 ? Math.min(total, bytes.length) : bytes.length;
      int forwarded = ThreadLocalRandom.current().nextInt(Math.max(1, length));
      out.write(bytes, 0, forwarded);
      out.flush();
      boolean inHeaders = headerLength < 0 || forwarded < headerLength;
      lastCutByPort.put(
          client.getPort(),
          new Cut(client.getPort(), System.nanoTime(), forwarded, length, inHeaders));
      cuts.increment();
      if (inHeaders) cutsInHeaders.increment();
      abort(client);
      abort(upstream);
    }

    private void close() {
      quietClose(client);
      quietClose(upstream);
    }
  }

  /** The length of the header block including its blank line, or -1 if it is incomplete. */
  private static int headerEnd(byte[] bytes) {
    for (int i = 3; i < bytes.length; i++) {
      if (bytes[i - 3] == '\r'
          && bytes[i - 2] == '\n'
          && bytes[i - 1] == '\r'
          && bytes[i] == '\n') {
        return i + 1;
      }
    }
    return -1;
  }

  /** Closes {@code socket} with a reset (RST) rather than an orderly FIN. */
  private void abort(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // Already closed.
    }
    quietClose(socket);
  }

  private void quietClose(Socket socket) {
    open.remove(socket);
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing to do.
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // Nothing to do.
    }
    for (Socket socket : open) quietClose(socket);
    threads.shutdownNow();
  }
}
