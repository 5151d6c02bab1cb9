#!/usr/bin/env bash
# Gift cards through the fulfilment engine, the gift_card plugin and the store, against the vendor
# sandbox answering every request 20 ms late on loopback, beside the sandbox alone at the same
# concurrency (a plain client). Runs bench_fulfilment three times: with the settings plauditd had
# before fulfilment was tunable (4 workers, 2 calls per plugin, the balance read before every
# order), with today's defaults, and with more calls in flight. Prints each run's figures; the
# RESULT lines are for BENCHMARKS.md.
#
# Usage: scripts/bench-fulfilment.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Environment: REWARDS (default 5000) rewards per run (the first run takes a tenth of them: it is
# slow); LATENCY_MS (default 20); TUNED_WORKERS (default 256) and TUNED_CONCURRENCY (default 128).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "bench: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
bench_bin=$build/bin/bench_fulfilment
if [[ ! -x $bench_bin || ! -f $build/plugins/gift_card.so ]]; then
  echo "bench: $bench_bin or $build/plugins/gift_card.so is missing; run 'make build' first" >&2
  exit 1
fi
rewards=${REWARDS:-5000}
latency=${LATENCY_MS:-20}
tuned_workers=${TUNED_WORKERS:-256}
tuned_concurrency=${TUNED_CONCURRENCY:-128}
for value in "$rewards" "$latency" "$tuned_workers" "$tuned_concurrency"; do
  if [[ ! $value =~ ^[0-9]+$ ]]; then
    echo "bench: REWARDS, LATENCY_MS, TUNED_WORKERS and TUNED_CONCURRENCY must be numbers" >&2
    exit 1
  fi
done

echo "# $(date -u +%Y-%m-%d) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
run() {
  echo
  echo "## $1"
  shift
  # The engine logs a line per reward on stderr, as plauditd does; only failures are shown.
  "$bench_bin" --plugin-dir "$build/plugins" --latency-ms "$latency" "$@" 2>"${TMPDIR:-/tmp}/bench-fulfilment.log" ||
    { tail -20 "${TMPDIR:-/tmp}/bench-fulfilment.log" >&2; exit 1; }
}
run "settings before: 4 workers, 2 calls per plugin, balance read before every order" \
  --rewards $((rewards / 10 > 0 ? rewards / 10 : 1)) --workers 4 --concurrency 2 --balance-ttl-s 0
run "defaults" --rewards "$rewards"
run "tuned: $tuned_workers workers, $tuned_concurrency gift_card calls" \
  --rewards "$rewards" --workers "$tuned_workers" --concurrency "$tuned_concurrency"
