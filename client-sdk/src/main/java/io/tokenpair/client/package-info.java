/**
 * Silent access-token refresh for OkHttp: {@link io.tokenpair.client.TokenPairAuth} keeps a client
 * signed in with a short-lived access token and a refresh credential.
 *
 * <h2>How a call flows</h2>
 *
 * <p>The refresh flow reads top-down in these package-private classes, each with one job:
 *
 * <ol>
 *   <li>{@code AuthPolicy}, the request policy, installed as OkHttp's application interceptor and
 *       authenticator: which requests get the bearer, when to refresh before sending, and which
 *       failed requests are replayed, once, with which token.
 *   <li>The refresher: {@link io.tokenpair.client.TokenRefresher}, single flight and the grace
 *       window on its own thread, running {@code Refresh}, the SDK's refresh function (the shared
 *       store's lock, adoption of another process's refresh, the call, the {@code RefreshEvent}).
 *   <li>{@code Session}, the state machine: the current token and the transitions that move it (a
 *       refresh's commit, login, sign-in, logout, a manual token, the end of the session), each
 *       stored before it is released, ordered by a session epoch and a token epoch; {@code
 *       StoredPair} stores the pair and knows which kind the refresh credential is.
 *   <li>{@code AuthCalls}: the refresh, login and logout HTTP calls through a copy of the app's
 *       client without the SDK's interceptor; the {@link io.tokenpair.client.RefreshProtocol} makes
 *       the refresh request and reads the answers.
 *   <li>{@code SessionCookieJar}: the RFC 6265 jar over the app's cookie store, with staging for
 *       the auth calls' cookies.
 *   <li>DPoP (RFC 9449), below {@code AuthCalls} and {@code AuthPolicy}, which only ask for a
 *       request's {@code DPoP} header: {@code DpopProofs}, the proof maker ({@code jti}, {@code
 *       htm}, {@code htu}, {@code iat} on the server's clock, {@code ath}, {@code nonce}); {@code
 *       DpopNonces}, the nonces per origin; {@code DpopKey}, the session's ES256 key, which {@code
 *       StoredPair} keeps with the refresh token. A nonce challenge is sent again once per send,
 *       apart from refreshes and replays ({@code AuthTag}); revocation at logout is {@code
 *       AuthCalls}'s too.
 * </ol>
 *
 * <p>{@code Stores} is the one guard around the app's stores and the one place that decides whether
 * processes share the session (only {@link io.tokenpair.client.TokenPairAuth.Builder#sessionStore
 * sessionStore}); {@code TokenPairAuth.Builder#build} decides the protocol. {@code Events} queues
 * listener calls until every lock is released.
 *
 * <h2>Locks</h2>
 *
 * <p>Taken only in this order, never the reverse:
 *
 * <ol>
 *   <li>the shared store's cross-process lock ({@link io.tokenpair.client.SessionStore#lock(long,
 *       java.util.concurrent.TimeUnit)}), only with {@code sessionStore}: guards the refresh
 *       credential across processes; held across the refresh call (so that processes refresh one at
 *       a time), never across login or logout calls, never on OkHttp's threads; waited for at most
 *       the refresh timeout;
 *   <li>{@code Session}'s monitor: guards the epochs and writes of the current token; held across
 *       the stores' local reads and writes only;
 *   <li>{@code SessionCookieJar}'s monitor: guards the working set of cookies;
 *   <li>{@link io.tokenpair.client.TokenRefresher}'s monitor: guards the refresh in flight and the
 *       grace-window token; held for no call at all.
 * </ol>
 *
 * <p>No listener method runs while any of them is held: events are queued and fired once each after
 * the operation has released its locks. Stores are called under the first three, which is why their
 * contracts ask for quick local storage.
 *
 * <h2>Nullness</h2>
 *
 * <p>Every type here is {@link org.jspecify.annotations.NullMarked @NullMarked}: a parameter or
 * return value is never null unless it is annotated {@link
 * org.jspecify.annotations.Nullable @Nullable}, so Kotlin sees, for example, {@code accessToken()}
 * as {@code String?} and the builder's parameters as non-null.
 */
@NullMarked
package io.tokenpair.client;

import org.jspecify.annotations.NullMarked;
