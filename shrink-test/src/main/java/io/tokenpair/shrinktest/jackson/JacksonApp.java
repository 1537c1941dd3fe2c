package io.tokenpair.shrinktest.jackson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * OkHttp plus jackson-databind's tree model, as client-sdk reads its answers: the DEX size of this
 * app less the OkHttp-only one is Jackson's share of what the SDK adds.
 */
public final class JacksonApp {
  private JacksonApp() {}

  /**
   * Prints one field of the JSON answer of a GET.
   *
   * @param args the URL.
   * @throws IOException if the call fails.
   */
  public static void main(String[] args) throws IOException {
    OkHttpClient client = new OkHttpClient();
    try (Response response = client.newCall(new Request.Builder().url(args[0]).build()).execute()) {
      JsonNode answer = new ObjectMapper().readTree(response.body().string());
      System.out.println(response.code() + " " + answer.at("/data/username").asText());
    }
  }
}
