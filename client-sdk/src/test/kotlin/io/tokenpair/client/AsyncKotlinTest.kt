package io.tokenpair.client

import io.tokenpair.mockwebserver.TokenServerDispatcher
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import mockwebserver3.MockWebServer
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Test

/** The async API from Kotlin: each future is awaited in a coroutine (kotlinx.coroutines.future). */
class AsyncKotlinTest {
  private val server = MockWebServer()
  private val tokens = TokenServerDispatcher.create()

  init {
    server.dispatcher = tokens
    server.start()
  }

  @AfterEach
  fun stop() {
    server.close()
  }

  private fun login(password: String): Request =
    Request.Builder()
      .url(server.url("/auth/login"))
      .post(
        """{"username":"demo","password":"$password"}""".toRequestBody("application/json".toMediaType())
      )
      .build()

  // snippet:async-kotlin
  suspend fun signIn(auth: TokenPairAuth, loginRequest: Request): String =
    auth.loginAsync(loginRequest).await() // suspends, never blocks; throws what login() would
  // end snippet

  @Test
  fun theReadmesSuspendingSignInSignsIn() = runBlocking {
    val auth = TokenPairAuth.builder().baseUrl(server.url("/")).build()
    val token = signIn(auth, login("demo-password"))
    assertEquals(auth.accessToken(), token)
    assertEquals(1, tokens.loginCount())
  }

  @Test
  fun loginRefreshAndLogoutAreAwaited() = runBlocking {
    val auth = TokenPairAuth.builder().baseUrl(server.url("/")).build()
    auth.install(OkHttpClient.Builder()).build()

    val token: String = auth.loginAsync(login("demo-password")).await()
    val fresh: String = auth.forceRefreshAsync().await()
    auth.logoutAsync().await()

    assertEquals(token.isNotEmpty() && fresh != token, true)
    assertNull(auth.accessToken())
    assertEquals(1, tokens.refreshCount())
    assertEquals(1, tokens.logoutCount())
  }

  @Test
  fun aRefusedLoginThrowsTheSameExceptionFromAwait() {
    val auth = TokenPairAuth.builder().baseUrl(server.url("/")).build()
    val refused =
      assertThrows(AuthResponseException::class.java) {
        runBlocking { auth.loginAsync(login("wrong")).await() }
      }
    assertEquals(401, refused.code())
  }
}
