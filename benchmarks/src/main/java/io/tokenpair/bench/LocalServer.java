package io.tokenpair.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import javax.net.ServerSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockWebServer;

/**
 * A MockWebServer on 127.0.0.1 that can take a thousand connections at once: MockWebServer binds
 * with a backlog of 50, which drops SYNs under a burst, so its server socket binds with 4096
 * instead (the kernel caps it at {@code net.core.somaxconn}), and accepted sockets get TCP_NODELAY.
 * MockWebServer serves every connection on its own thread, so a slow (sleeping) answer never holds
 * up another connection.
 */
final class LocalServer {
  static final int BACKLOG = 4096;

  private LocalServer() {}

  static MockWebServer start(Dispatcher dispatcher) throws IOException {
    MockWebServer server = new MockWebServer();
    server.setServerSocketFactory(new WideBacklogFactory());
    server.setDispatcher(dispatcher);
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  /** Forgets the requests MockWebServer keeps for {@code takeRequest()}, so memory stays flat. */
  static void drain(MockWebServer server) {
    try {
      while (server.takeRequest(0, java.util.concurrent.TimeUnit.MILLISECONDS) != null) {
        // discard
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class WideBacklogFactory extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new WideBacklogSocket();
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      ServerSocket socket = new WideBacklogSocket();
      socket.bind(new java.net.InetSocketAddress(port));
      return socket;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return createServerSocket(port);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
        throws IOException {
      ServerSocket socket = new WideBacklogSocket();
      socket.bind(new java.net.InetSocketAddress(address, port));
      return socket;
    }
  }

  private static final class WideBacklogSocket extends ServerSocket {
    WideBacklogSocket() throws IOException {
      super();
    }

    @Override
    public void bind(SocketAddress endpoint, int backlog) throws IOException {
      super.bind(endpoint, BACKLOG);
    }

    @Override
    public Socket accept() throws IOException {
      Socket socket = super.accept();
      socket.setTcpNoDelay(true);
      return socket;
    }
  }
}
