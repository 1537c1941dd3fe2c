package io.tokenpair.bench;

import io.tokenpair.demo.DemoConfig;
import io.tokenpair.demo.PasswordHasher;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU cost of one demo-server login: verifying the password with PBKDF2WithHmacSHA256 at the
 * default 600,000 iterations ({@link DemoConfig#DEFAULT_PASSWORD_ITERATIONS}), through the server's
 * own {@link PasswordHasher}. Everything else a login does (JSON, two HMAC-signed JWTs, a session)
 * costs microseconds; the load driver also times whole logins over HTTP.
 *
 * <p>JMH suits this one: a single-threaded, CPU-bound call of a few hundred milliseconds, where
 * forks and warm-up iterations give a proper error bar.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(2)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class LoginCostBenchmark {
  /** PBKDF2 iterations; the server's default. */
  @Param({"600000"})
  public int iterations;

  private PasswordHasher hasher;
  private PasswordHasher.Hash stored;

  /** Hashes the demo password once, as the server does at start-up. */
  @Setup
  public void hashPassword() {
    hasher = new PasswordHasher(iterations);
    stored = hasher.hash(DemoConfig.DEFAULT_PASSWORD);
  }

  /**
   * Verifies the right password, as a successful login does.
   *
   * @return whether it matched (always true), so that the work is not eliminated.
   */
  @Benchmark
  public boolean verifyPassword() {
    return hasher.verify(DemoConfig.DEFAULT_PASSWORD, stored);
  }
}
