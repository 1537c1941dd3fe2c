package io.tokenpair.demo;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The address a request came from, for throttling: the socket's peer, unless that peer is a trusted
 * proxy ({@code --trusted-proxy CIDR}); then {@code X-Forwarded-For} is read from the right, hop by
 * hop, and the first address that is not a trusted proxy is the client. Addresses further left were
 * written by the client itself and are never believed. When every hop is a trusted proxy, the
 * leftmost is taken; an entry that is not an IP address ends the walk at the hop before it.
 *
 * <p>Entries are IP literals only: no name is ever looked up. This class is thread-safe
 * (immutable).
 */
final class ClientAddress {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /** A block of addresses: {@code bits} leading bits of {@code network}. */
  private record Block(byte[] network, int bits) {
    boolean contains(InetAddress address) {
      var bytes = address.getAddress();
      if (bytes.length != network.length) return false;
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((bytes[i / 8] & mask) != (network[i / 8] & mask)) return false;
      }
      return true;
    }
  }

  private final List<Block> trusted;

  /**
   * @param cidrs the trusted proxies, each {@code address/bits} or a single address, IPv4 or IPv6
   * @throws IllegalArgumentException for one that is not such a block
   */
  ClientAddress(List<String> cidrs) {
    var blocks = new ArrayList<Block>();
    for (var cidr : cidrs) blocks.add(parseBlock(cidr));
    this.trusted = List.copyOf(blocks);
  }

  /** Checks {@code cidr}; returns null when it is valid, else why not. */
  static String problem(String cidr) {
    try {
      parseBlock(cidr);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private static Block parseBlock(String cidr) {
    var slash = cidr.indexOf('/');
    var address = literal(slash < 0 ? cidr : cidr.substring(0, slash));
    if (address == null) throw new IllegalArgumentException("not an IP address");
    int max = address.getAddress().length * 8;
    int bits;
    try {
      bits = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the prefix length is not a number");
    }
    if (bits < 0 || bits > max) {
      throw new IllegalArgumentException("the prefix length must be 0 to " + max);
    }
    return new Block(address.getAddress(), bits);
  }

  /** The address an IP literal names, or null for anything else (never a DNS lookup). */
  private static InetAddress literal(String text) {
    var s = text.strip();
    if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
    if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) return null;
    try {
      return InetAddress.getByName(s); // a literal: no lookup
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private boolean isTrusted(InetAddress address) {
    for (var block : trusted) {
      if (block.contains(address)) return true;
    }
    return false;
  }

  /** The client's address, as text. */
  String of(HttpExchange ex) {
    var peer = ex.getRemoteAddress();
    var address = peer.getAddress();
    if (address == null) return peer.getHostString();
    if (trusted.isEmpty() || !isTrusted(address)) return address.getHostAddress();
    var hops = new ArrayList<String>();
    for (var header : ex.getRequestHeaders().getOrDefault("X-Forwarded-For", List.of())) {
      for (var hop : header.split(",")) hops.add(hop);
    }
    var client = address;
    for (int i = hops.size() - 1; i >= 0; i--) {
      var hop = literal(hops.get(i));
      if (hop == null) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client.getHostAddress();
  }
}
