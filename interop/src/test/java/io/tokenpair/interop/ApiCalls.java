package io.tokenpair.interop;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Calls of the protected resource through the SDK, one at a time or released together. */
final class ApiCalls {
  private ApiCalls() {}

  /** A {@code GET} of {@code url}; returns the status. */
  static int call(OkHttpClient client, HttpUrl url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code();
    }
  }

  /**
   * {@code calls} calls of {@code url} from as many threads, released together, spread over {@code
   * clients} in turn; returns their statuses.
   */
  static List<Integer> callConcurrently(List<OkHttpClient> clients, HttpUrl url, int calls)
      throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(calls);
    try {
      CountDownLatch ready = new CountDownLatch(calls);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < calls; i++) {
        OkHttpClient client = clients.get(i % clients.size());
        results.add(
            threads.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  return call(client, url);
                }));
      }
      ready.await();
      go.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> result : results) statuses.add(result.get());
      return statuses;
    } finally {
      threads.shutdownNow();
    }
  }
}
