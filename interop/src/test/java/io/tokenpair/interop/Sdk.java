package io.tokenpair.interop;

import io.tokenpair.client.TokenPairAuth;
import okhttp3.OkHttpClient;

/** An SDK under test: the session and an OkHttp client it is installed in. */
final class Sdk {
  final TokenPairAuth auth;
  final OkHttpClient client;

  Sdk(TokenPairAuth auth) {
    this.auth = auth;
    this.client = auth.install(new OkHttpClient.Builder()).build();
  }
}
