#!/usr/bin/env bash
# Start-up time of the demo server: wall time from `java -jar demo-server.jar` until GET /healthz
# answers 200, polled every 10 ms with curl. Runs RUNS times (5) and prints each figure and the median.
# Usage: benchmarks/startup.sh [path/to/demo-server.jar] [extra server flags...]
set -euo pipefail
jar="${1:-demo-server/target/demo-server.jar}"
shift || true
runs="${RUNS:-5}"
port="${PORT:-18089}"
times=()
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s%N)
  java -jar "$jar" --port "$port" "$@" >/dev/null 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "server exited early" >&2; exit 1; fi
    sleep 0.01
  done
  end=$(date +%s%N)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  ms=$(((end - start) / 1000000))
  times+=("$ms")
  echo "run $i: $ms ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
echo "median of $runs: $median ms"
