/**
 * Measurements of client-sdk and demo-server: stampede after expiry, steady-state overhead,
 * proactive against reactive refresh, demo-server load and login cost. Not part of the build's test
 * suite: run {@code benchmarks/run.sh}.
 */
package io.tokenpair.bench;
