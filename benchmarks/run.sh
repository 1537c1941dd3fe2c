#!/usr/bin/env bash
# Builds and runs every tokenpair benchmark on this machine, then prints one Markdown table.
#
#   benchmarks/run.sh           full run (about 8 minutes on 2 cores, build included)
#   benchmarks/run.sh --quick   short run (about 4 minutes, build included), for checking that it all works
#   benchmarks/run.sh --soak [minutes] [clients] [Soak flags...]
#                               the soak alone (default 10 minutes, 50 clients): SDK clients against a
#                               demo server that is SIGKILLed every 60 s, through a proxy that cuts 1% of
#                               the responses; exits 1 if a session, a refresh or a call was lost. Flags:
#                               --kill-every S, --cut-percent P, --pause-ms MS, --rotation-grace D,
#                               --access-ttl D
#
# Needs a JDK 17+; wrk (Debian: apt-get install -y wrk) for the demo-server load runs, which are
# skipped without it. Everything listens on 127.0.0.1 only; every load loop is bounded in count and
# time. Logs and raw results go to benchmarks/target/results/.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--soak" ]; then
  shift
  MINUTES=10
  CLIENTS=50
  if [ $# -gt 0 ] && [[ "$1" != --* ]]; then MINUTES=$1; shift; fi
  if [ $# -gt 0 ] && [[ "$1" != --* ]]; then CLIENTS=$1; shift; fi
  OUT=benchmarks/target/results
  echo "== build"
  # -am: the soak runs this checkout's client-sdk and demo-server (the server as a child process on the
  # same class path).
  ./mvnw -B -q -Pbenchmarks -pl benchmarks -am package -DskipTests
  mkdir -p "$OUT"
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "nproc: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "jdk: $(java -version 2>&1 | head -n 2 | tail -n 1)"
  } | tee "$OUT/soak-machine.txt"
  echo
  echo "== soak"
  set +e
  java -Xms256m -Xmx1g -Dsoak.out="$OUT" -cp benchmarks/target/benchmarks-all.jar io.tokenpair.bench.Soak \
    --minutes "$MINUTES" --clients "$CLIENTS" "$@" 2>&1 | tee "$OUT/soak.log"
  CODE=${PIPESTATUS[0]}
  set -e
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/soak-machine.txt"
  exit "$CODE"
fi

QUICK=""
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK="--quick" ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

OUT=benchmarks/target/results
JAR=benchmarks/target/benchmarks-all.jar
START=$(date +%s)

echo "== build"
./mvnw -B -q install -DskipTests
# -am: the benchmarks are built against this checkout's modules, whatever else sits in ~/.m2.
./mvnw -B -q -Pbenchmarks -pl benchmarks -am package -DskipTests

rm -rf "$OUT"
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
: > "$RESULTS"

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
  echo "mode: ${QUICK:-full}"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "jdk: $(java -version 2>&1 | head -n 2 | tail -n 1)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "wrk: $(if command -v wrk >/dev/null; then wrk -v 2>&1 | head -n 1 || true; else echo 'not installed'; fi)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

JAVA=(java -Xms512m -Xmx2g -Dbench.results="$RESULTS" -cp "$JAR")

run() { # name, main class
  echo
  echo "== $1"
  "${JAVA[@]}" "$2" $QUICK 2>&1 | tee "$OUT/$1.log"
}

run stampede io.tokenpair.bench.Stampede
run steady-state io.tokenpair.bench.SteadyStateOverhead
run proactive-vs-reactive io.tokenpair.bench.ProactiveVsReactive
run demo-server-load io.tokenpair.bench.DemoServerLoad
run aged-session io.tokenpair.bench.AgedSessionLoad

# JMH: the annotations hold the full settings; --quick shortens them.
jmh() { # name, benchmark regex, quick options
  echo
  echo "== $1 (JMH)"
  local opts=()
  if [ -n "$QUICK" ]; then read -r -a opts <<< "$3"; fi
  java -Xms512m -Xmx2g -jar "$JAR" "$2" "${opts[@]}" -rf csv -rff "$OUT/$1.csv" 2>&1 \
    | tee "$OUT/$1.log" | grep -E '^(# (Fork|Warmup|Measurement|Benchmark:)|Benchmark |[A-Za-z]+Benchmark\.)' || true
}
jmh jmh-login 'LoginCostBenchmark' '-f 1 -wi 1 -i 3'
jmh jmh-call-cpu 'CallCpuBenchmark' '-f 1 -wi 2 -i 3'

# JMH CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit",...
jmh_score() { # csv, method -> "score error unit samples"
  awk -F, -v m="$2" '{ gsub(/"/, "") } $1 ~ ("\\." m "$") { print $5, $6, $7, $4 }' "$1"
}
if [ -f "$OUT/jmh-login.csv" ]; then
  read -r score err unit n <<< "$(jmh_score "$OUT/jmh-login.csv" verifyPassword)"
  printf 'demo-server login\tPBKDF2 verify, 600,000 iterations (JMH)\t%.0f ± %.0f %s (99.9%% CI)\tPasswordHasher.verify, avgt, %s samples\n' \
    "$score" "$err" "$unit" "$n" >> "$RESULTS"
fi
if [ -f "$OUT/jmh-call-cpu.csv" ]; then
  read -r bs be bu bn <<< "$(jmh_score "$OUT/jmh-call-cpu.csv" bareCall)"
  read -r ts te tu tn <<< "$(jmh_score "$OUT/jmh-call-cpu.csv" trivialInterceptorCall)"
  read -r ss se su sn <<< "$(jmh_score "$OUT/jmh-call-cpu.csv" sdkCall)"
  read -r js je ju jn <<< "$(jmh_score "$OUT/jmh-call-cpu.csv" sdkCookieJar)"
  printf 'steady-state overhead\tCPU per call without network (JMH)\tSDK adds %.0f ns over bare, %.0f ns over a trivial interceptor\tbare %.0f ± %.0f, trivial interceptor %.0f ± %.0f, SDK %.0f ± %.0f %s (99.9%% CI, %s samples); SDK cookie-jar lookup %.0f ± %.0f %s more\n' \
    "$(awk -v a="$ss" -v b="$bs" 'BEGIN { print a - b }')" "$(awk -v a="$ss" -v b="$ts" 'BEGIN { print a - b }')" \
    "$bs" "$be" "$ts" "$te" "$ss" "$se" "$su" "$bn" "$js" "$je" "$ju" >> "$RESULTS"
  read -r ds de du dn <<< "$(jmh_score "$OUT/jmh-call-cpu.csv" sdkDpopCall)"
  read -r gs ge gu gn <<< "$(jmh_score "$OUT/jmh-call-cpu.csv" signatureSign)"
  read -r os oe ou on <<< "$(jmh_score "$OUT/jmh-call-cpu.csv" sdkOAuth2BearerCall)"
  printf 'DPoP call\tCPU per call without network (JMH)\t%.2f× (one ES256 signature + a trivial interceptor)\tSDK DPoP call %.0f ± %.0f %s, bare Signature.sign %.0f ± %.0f %s, SDK Bearer call (oauth2) %.0f ± %.0f %s (99.9%% CI, %s samples); allocation: run JMH with -prof gc\n' \
    "$(awk -v d="$ds" -v g="$gs" -v t="$ts" 'BEGIN { print d / (g + t) }')" \
    "$ds" "$de" "$du" "$gs" "$ge" "$gu" "$os" "$oe" "$ou" "$dn" >> "$RESULTS"
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"
echo "total time: $(( $(date +%s) - START )) s" | tee -a "$OUT/machine.txt"

echo
echo "== results"
{
  echo "| measurement | case | result | detail |"
  echo "|---|---|---|---|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$RESULTS"
} | tee "$OUT/results.md"
