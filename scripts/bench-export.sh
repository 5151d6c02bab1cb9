#!/usr/bin/env bash
# Exports at the speed of the store: measures `plaudit export events` end to end (plauditd reading
# the store and streaming batches, the CLI writing CSV or NDJSON to a file) beside the baseline
# measured in the same run: SQLite alone reading every event in the export's order, with one
# statement stepped to the end (plaudit-bench-data --read-baseline); and plauditd alone, streaming
# the export to a client that drops it (plaudit-load --drain-events). Also prints plauditd's CPU
# time and its peak resident memory before and after the exports (it must not grow with them).
#
# Usage: scripts/bench-export.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
#
# The baseline and the CSV export are timed in ROUNDS rounds, each a baseline then an export, and
# each round's ratio is printed with their median: on a machine whose cores' speed drifts (a
# virtual machine's), one pair of runs can differ by a quarter either way.
#
# Environment: AGENTS (100000), EVENTS (10000000), MONTH (2026-10), ROUNDS (5), DATA_DIR (an
# existing plauditd data directory to export instead of generating one; it is opened, not
# changed), SMOKE=1 (small sizes, one round, and checks the exports' row counts: for ctest),
# KEEP=1 keeps the temporary directory.
# plauditd runs on a free loopback port in development mode and is stopped when the script ends.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "bench: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
plauditd_bin=$build/bin/plauditd
plaudit_bin=$build/bin/plaudit
data_bin=$build/bin/plaudit-bench-data
load_bin=$build/bin/plaudit-load
for file in "$plauditd_bin" "$plaudit_bin" "$data_bin" "$load_bin"; do
  [[ -e $file ]] || { echo "bench: $file is missing; build plauditd, plaudit, plaudit-bench-data, plaudit-load" >&2; exit 1; }
done

if [[ ${SMOKE:-} == 1 ]]; then
  : "${AGENTS:=200}" "${EVENTS:=50000}" "${ROUNDS:=1}"
fi
rounds=${ROUNDS:-5}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: ROUNDS must be a whole number above 0, not '$rounds'" >&2; exit 2; }
agents=${AGENTS:-100000}
events=${EVENTS:-10000000}
month=${MONTH:-2026-10}

script_name=bench
# shellcheck source=lib/plauditd.sh
source scripts/lib/plauditd.sh
work=
on_exit() {
  local status=$?
  stop_server "$work/plauditd.log" 2>/dev/null
  keep_or_remove_work "$status"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

work=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-bench-export.XXXXXX")
mkdir "$work/plugins"

if [[ -n ${DATA_DIR:-} ]]; then
  data=$DATA_DIR
  echo "== Exporting the events of $data"
else
  data=$work/data
  echo "== Generating $agents agents and $events events in $month"
  "$data_bin" --data-dir "$data" --agents "$agents" --events "$events" --month "$month" \
    --raw-events 0 --no-group-by >"$work/data.txt" 2>&1 || { cat "$work/data.txt" >&2; exit 1; }
fi

# baseline: SQLite alone reads every event in order; sets base_rows and base_seconds.
baseline() {
  local out
  out=$("$data_bin" --read-baseline "$data/plaudit.db")
  base_rows=$(sed -n 's/.* rows=\([0-9]*\) .*/\1/p' <<<"$out")
  base_seconds=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' <<<"$out")
  printf '  baseline  %s events read in order by SQLite alone in %s s (%s events/s)\n' \
    "$base_rows" "$base_seconds" "$(awk -v r="$base_rows" -v s="$base_seconds" 'BEGIN { printf "%.0f", r / s }')"
}
# A first read warms the page cache as the exports will find it.
"$data_bin" --read-baseline "$data/plaudit.db" >/dev/null

port=$(free_port) || { echo "bench: no free port" >&2; exit 1; }
server=127.0.0.1:$port
"$plauditd_bin" --listen "$server" --data-dir "$data" --plugin-dir "$work/plugins" \
  >"$work/plauditd.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  timeout 5 "$plaudit_bin" --server "$server" plugins list >/dev/null 2>&1 && break
  alive "$server_pid" || { echo "bench: plauditd exited at start" >&2; tail "$work/plauditd.log" >&2; exit 1; }
  sleep 0.25
done

cpu_seconds() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$server_pid/stat"; }
peak_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$server_pid/status"; }
echo "  plauditd peak resident memory before the exports: $(peak_kb) kB"

failures=0
ratios=()
# export FORMAT: one timed export of every event to a file, with its figures; its ratio to the
# last baseline is added to `ratios`.
export_events() {
  local format=$1 out=$work/events.$1 cpu_before cpu_after start end seconds rows ratio
  cpu_before=$(cpu_seconds)
  start=$(date +%s.%N)
  "$plaudit_bin" --server "$server" export events --format "$format" -o "$out" 2>"$work/export.err" ||
    { cat "$work/export.err" >&2; failures=$((failures + 1)); return; }
  end=$(date +%s.%N)
  cpu_after=$(cpu_seconds)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  rows=$(wc -l <"$out")
  [[ $format == csv ]] && rows=$((rows - 1))
  ratio=$(awk -v r="$rows" -v s="$seconds" -v br="$base_rows" -v bs="$base_seconds" 'BEGIN { printf "%.2f", (r / s) / (br / bs) }')
  printf '  export    %-6s %s events in %s s (%s events/s, %.2f x the baseline), %s MB; plauditd CPU %.2f s\n' \
    "$format" "$rows" "$seconds" \
    "$(awk -v r="$rows" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }')" \
    "$ratio" \
    "$(awk -v b="$(stat -c %s "$out")" 'BEGIN { printf "%.1f", b / 1e6 }')" \
    "$(awk -v a="$cpu_before" -v b="$cpu_after" 'BEGIN { print b - a }')"
  ratios+=("$ratio")
  if [[ $rows -ne $base_rows ]]; then
    echo "bench: the $format export has $rows events, the store $base_rows" >&2
    failures=$((failures + 1))
  fi
  rm -f "$out"
}
# A small export first: the peak after it against the peak after the whole ones shows whether
# plauditd's memory grows with the size of an export.
"$plaudit_bin" --server "$server" export events --from "$month-01T00:00:00Z" \
  --to "$month-02T00:00:00Z" -o "$work/one-day.csv" 2>/dev/null
echo "  plauditd peak resident memory after exporting the $(($(wc -l <"$work/one-day.csv") - 1)) events of $month-01: $(peak_kb) kB"
for ((round = 1; round <= rounds; round++)); do
  echo "  round $round"
  baseline
  export_events csv
done
printf '  csv export over the baseline, round by round: %s; median %s\n' "${ratios[*]}" \
  "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
baseline
export_events ndjson
# plauditd alone: the same export read by a client that drops the batches, so that the CLI's
# formatting and writing do not share the cores.
baseline
drained=$("$load_bin" --server "$server" --drain-events) || { echo "bench: the drain failed" >&2; failures=$((failures + 1)); }
drain_rows=$(sed -n 's/.*rows=\([0-9]*\) .*/\1/p' <<<"$drained")
drain_seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$drained")
if [[ -n $drain_rows ]]; then
  printf '  plauditd  %s events streamed to a client that drops them in %s s (%.2f x the baseline)\n' \
    "$drain_rows" "$drain_seconds" \
    "$(awk -v r="$drain_rows" -v s="$drain_seconds" -v br="$base_rows" -v bs="$base_seconds" 'BEGIN { print (r / s) / (br / bs) }')"
  if [[ $drain_rows -ne $base_rows ]]; then
    echo "bench: the drained export has $drain_rows events, the store $base_rows" >&2
    failures=$((failures + 1))
  fi
fi
echo "  plauditd peak resident memory after the whole exports: $(peak_kb) kB"
((failures == 0))
