package io.tokenpair.shrinktest.okhttp;

import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** The baseline for the DEX size figure: an app that makes one OkHttp call and nothing else. */
public final class OkHttpApp {
  private OkHttpApp() {}

  /**
   * Prints the body of a GET.
   *
   * @param args the URL.
   * @throws IOException if the call fails.
   */
  public static void main(String[] args) throws IOException {
    OkHttpClient client = new OkHttpClient();
    try (Response response = client.newCall(new Request.Builder().url(args[0]).build()).execute()) {
      System.out.println(response.code() + " " + response.body().string());
    }
  }
}
