package io.tokenpair.client;

/**
 * Stands in for the public API until the SDK's classes land, so that the Javadoc jar has a type to
 * document. Delete it when the first real public type arrives.
 */
public final class Placeholder {
  private Placeholder() {}
}
