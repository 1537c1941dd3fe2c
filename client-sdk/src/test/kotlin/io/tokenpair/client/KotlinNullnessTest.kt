package io.tokenpair.client

import java.util.concurrent.TimeUnit
import okhttp3.HttpUrl.Companion.toHttpUrl
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/**
 * Kotlin's view of the SDK, compiled by kotlinc against its JSpecify annotations. Overload
 * resolution tells the three Kotlin types apart: a `String?` argument can only take the nullable
 * overload; a `String` or a platform type `String!` takes the non-null one. So "nullable" below
 * proves that Kotlin sees `String?`, not a platform type. That the other types are non-null rather
 * than platform types is what `@NullMarked` on the package gives; `NullnessTest` checks the
 * annotations themselves, method by method.
 */
class KotlinNullnessTest {
  private fun kind(value: String): String = "non-null: $value"

  @JvmName("kindOfNullable") private fun kind(value: String?): String = "nullable"

  /** The builder's methods take non-null arguments: these are Kotlin `String`s. */
  private fun configure(baseUrl: String, clientId: String): TokenPairAuth.Builder =
    TokenPairAuth.builder()
      .baseUrl(baseUrl)
      .refreshProtocol(RefreshProtocol.oauth2("https://idp.example.com/token".toHttpUrl(), clientId))
      .tokenStore(TokenStore.inMemory())
      .refreshAhead(30, TimeUnit.SECONDS)
      .listener(SessionListener.NONE)

  @Test
  fun accessTokenIsStringQuestionMark() {
    val auth = configure("https://api.example.com/", "app").build()
    assertEquals("nullable", kind(auth.accessToken()))
  }

  @Test
  fun grantsRefreshTokenIsNullableAndItsAccessTokenIsNot() {
    val grant = TokenGrant.of("at")
    assertEquals("nullable", kind(grant.refreshToken()))
    assertEquals("non-null: at", kind(grant.accessToken()))
  }

  @Test
  fun storesReturnNullableTokens() {
    val store = TokenStore.inMemory()
    assertEquals("nullable", kind(store.loadAccessToken()))
    assertEquals("nullable", kind(store.loadRefreshToken()))
  }
}
