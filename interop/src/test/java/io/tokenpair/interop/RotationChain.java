package io.tokenpair.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenpair.interop.TokenEndpointRecorder.Grant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Names refresh tokens by their place in a rotation, so that a chain can be asserted on and the
 * tokens stay out of assertion messages.
 */
final class RotationChain {
  private RotationChain() {}

  /**
   * Names the refresh tokens each grant presented ("sign-in" for {@code signInRefreshToken},
   * "refresh N" for the one the Nth grant issued, "unknown" otherwise), after checking that every
   * grant issued a new one.
   */
  static List<String> presentedRefreshTokens(String signInRefreshToken, List<Grant> grants) {
    Map<String, String> names = new HashMap<>();
    names.put(signInRefreshToken, "sign-in");
    for (int i = 0; i < grants.size(); i++) {
      names.putIfAbsent(grants.get(i).issuedRefreshToken(), "refresh " + (i + 1));
    }
    assertThat(names.size()).as("distinct refresh tokens issued").isEqualTo(grants.size() + 1);
    List<String> presented = new ArrayList<>();
    for (Grant grant : grants) {
      presented.add(names.getOrDefault(grant.presentedRefreshToken(), "unknown"));
    }
    return presented;
  }

  /** "sign-in", "refresh 1", ..., "refresh {@code refreshes - 1}": the chain never reusing one. */
  static List<String> unbroken(int refreshes) {
    List<String> chain = new ArrayList<>(List.of("sign-in"));
    for (int i = 1; i < refreshes; i++) chain.add("refresh " + i);
    return chain;
  }
}
