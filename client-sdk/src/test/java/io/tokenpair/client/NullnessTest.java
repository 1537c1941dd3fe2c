package io.tokenpair.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.AnnotatedType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The JSpecify annotations of the public API, exactly: the package is {@code @NullMarked}, and
 * {@code @Nullable} stands on these parameters and return values and on no others, so Kotlin sees
 * every other one as non-null.
 */
final class NullnessTest {
  private static final List<Class<?>> PUBLIC_TYPES =
      Arrays.asList(
          TokenPairAuth.class,
          TokenPairAuth.Builder.class,
          TokenRefresher.class,
          TokenStore.class,
          CookieStore.class,
          SessionStore.class,
          FileSessionStore.class,
          SessionListener.class,
          RefreshProtocol.class,
          OAuth2RefreshProtocol.class,
          TokenGrant.class,
          RefreshEvent.class,
          AuthResponseException.class);

  @Test
  void packageIsNullMarked() {
    assertThat(TokenPairAuth.class.getPackage().isAnnotationPresent(NullMarked.class)).isTrue();
  }

  @Test
  void nullableExactlyWhereNullIsAllowedOrReturned() {
    TreeSet<String> nullable = new TreeSet<>();
    for (Class<?> type : PUBLIC_TYPES) {
      for (Method method : type.getDeclaredMethods()) {
        if (!Modifier.isPublic(method.getModifiers()) || method.isSynthetic()) continue;
        String name = type.getSimpleName() + "." + method.getName();
        if (isNullable(method.getAnnotatedReturnType())) nullable.add(name + " returns");
        AnnotatedType[] parameters = method.getAnnotatedParameterTypes();
        for (int i = 0; i < parameters.length; i++) {
          if (isNullable(parameters[i])) nullable.add(name + " parameter " + i);
        }
      }
    }
    List<String> expected = new ArrayList<>();
    expected.add("AuthResponseException.error returns");
    expected.add("AuthResponseException.errorDescription returns");
    expected.add("FileSessionStore.loadAccessToken returns");
    expected.add("FileSessionStore.loadRefreshToken returns");
    expected.add("FileSessionStore.loadDpopKey returns");
    expected.add("FileSessionStore.saveDpopKey parameter 0");
    expected.add("FileSessionStore.saveAccessToken parameter 0");
    expected.add("FileSessionStore.saveRefreshToken parameter 0");
    expected.add("RefreshEvent.failure returns");
    expected.add("RefreshProtocol.newRefreshRequest parameter 0");
    expected.add("OAuth2RefreshProtocol.newRefreshRequest parameter 0");
    expected.add("TokenGrant.of parameter 1");
    expected.add("TokenGrant.refreshToken returns");
    expected.add("TokenPairAuth.accessToken returns");
    expected.add("TokenPairAuth.setAccessToken parameter 0");
    expected.add("TokenPairAuth.setAccessTokenAsync parameter 0");
    expected.add("TokenRefresher.tryRefresh parameter 0");
    expected.add("TokenStore.loadAccessToken returns");
    expected.add("TokenStore.loadRefreshToken returns");
    expected.add("TokenStore.loadDpopKey returns");
    expected.add("TokenStore.saveDpopKey parameter 0");
    expected.add("TokenStore.saveAccessToken parameter 0");
    expected.add("TokenStore.saveRefreshToken parameter 0");
    assertThat(nullable).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static boolean isNullable(AnnotatedType type) {
    return type.isAnnotationPresent(Nullable.class);
  }
}
