package io.tokenpair.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/** Shared helpers of the load drivers: arguments, statistics, and the results file. */
final class Bench {
  private Bench() {}

  /** True when the arguments ask for the short mode. */
  static boolean quick(String[] args) {
    return Arrays.asList(args).contains("--quick");
  }

  /**
   * Appends one row of the final table to the file named by the {@code bench.results} system
   * property (tab-separated: measurement, case, result, detail), and prints it.
   */
  static void row(String measurement, String kase, String result, String detail) {
    String line = measurement + "\t" + kase + "\t" + result + "\t" + detail;
    System.out.println("RESULT " + line.replace('\t', '|'));
    String file = System.getProperty("bench.results");
    if (file == null) return;
    try {
      Files.writeString(
          Path.of(file),
          line + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  static double millis(long nanos) {
    return nanos / 1e6;
  }

  static double median(double[] values) {
    return quantile(values, 0.5);
  }

  /** Linear interpolation between the closest ranks (type 7, as R and NumPy default to). */
  static double quantile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  static double min(double[] values) {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  static double max(double[] values) {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }

  static double mean(double[] values) {
    return Arrays.stream(values).average().orElse(Double.NaN);
  }

  static double stdev(double[] values) {
    double m = mean(values);
    double sum = 0;
    for (double v : values) sum += (v - m) * (v - m);
    return Math.sqrt(sum / (values.length - 1));
  }

  /**
   * A 95% percentile-bootstrap confidence interval of the mean (10,000 resamples, fixed seed):
   * {low, high}.
   */
  static double[] bootstrapMeanCi(double[] values) {
    SplittableRandom random = new SplittableRandom(42);
    int resamples = 10_000;
    double[] means = new double[resamples];
    for (int r = 0; r < resamples; r++) {
      double sum = 0;
      for (int i = 0; i < values.length; i++) sum += values[random.nextInt(values.length)];
      means[r] = sum / values.length;
    }
    return new double[] {quantile(means, 0.025), quantile(means, 0.975)};
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
