#!/usr/bin/env bash
# Times `plaudit metrics import` of a large events file against a fresh plauditd: first into an
# empty store, then the same file again (every row a duplicate). Prints the figures as a row for
# the table in BENCHMARKS.md.
#
# Usage: scripts/bench-import.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Environment: ROWS (default 200000) rows to generate; KEEP=1 keeps the temporary directory.
#
# The server runs on a free loopback port with a temporary data directory and is stopped when
# the script ends, however it ends. Client and server share the machine, so the figures measure
# the whole path: reading the CSV, the RPCs, validation, deduplication and durable commits.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "bench: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
plauditd_bin=$build/bin/plauditd
plaudit_bin=$build/bin/plaudit
for bin in "$plauditd_bin" "$plaudit_bin"; do
  if [[ ! -x $bin ]]; then
    echo "bench: $bin is missing; run 'make build' first" >&2
    exit 1
  fi
done
rows=${ROWS:-200000}
if [[ ! $rows =~ ^[1-9][0-9]*$ ]]; then
  echo "bench: ROWS must be a positive number, not '$rows'" >&2
  exit 1
fi

script_name=bench
# shellcheck source=lib/plauditd.sh
source scripts/lib/plauditd.sh
work=

on_exit() {
  local status=$?
  stop_server
  keep_or_remove_work "$status"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log_tail() {
  echo "---- last lines of $work/plauditd.log ----" >&2
  tail -n 40 "$work/plauditd.log" >&2 || true
  echo "----" >&2
}

now() { date +%s.%N; }
# seconds between two `now` readings, to the millisecond
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
per_second() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "n/a" }'; }
# The number after WORD in an import summary ("imported X, duplicates Y, rejected Z"), or "?".
count_of() {
  if [[ $2 =~ $1\ ([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo '?'; fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-bench.XXXXXX")
mkdir "$work/data"
events=$work/events.csv

echo "Generating $rows events ..."
t0=$(now)
python3 examples/generate_sample.py --rows "$rows" --out "$events"
t1=$(now)
echo "  $(elapsed "$t0" "$t1") s, $(du -h "$events" | cut -f1) in $events"

port=$(free_port) || { echo "bench: no free port in 50051-50350 on 127.0.0.1" >&2; exit 1; }
server=127.0.0.1:$port
export PLAUDIT_SERVER=$server
plaudit() { "$plaudit_bin" --server "$server" "$@"; }

echo "Starting plauditd on $server ..."
"$plauditd_bin" --listen "$server" --data-dir "$work/data" --plugin-dir "$build/plugins" \
  >"$work/plauditd.log" 2>&1 &
server_pid=$!
deadline=$((SECONDS + 15))
until timeout 5 "$plaudit_bin" --server "$server" plugins list >/dev/null 2>&1; do
  if ! alive "$server_pid"; then
    echo "bench: plauditd exited during start-up" >&2
    show_log_tail
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "bench: plauditd is not answering on $server after 15 s" >&2
    show_log_tail
    exit 1
  fi
  sleep 0.25
done

echo "Importing the agents ..."
plaudit agents import examples/agents.csv

# Runs one import and sets $result (its summary) and $seconds.
timed_import() {
  local start end
  start=$(now)
  if ! result=$(plaudit metrics import "$events"); then
    echo "bench: the import failed:" >&2
    echo "$result" >&2
    show_log_tail
    exit 1
  fi
  end=$(now)
  seconds=$(elapsed "$start" "$end")
  echo "  $result"
  echo "  $seconds s, $(per_second "$rows" "$seconds") rows/s"
}

echo "Importing $rows events into an empty store ..."
timed_import
first_seconds=$seconds
first_imported=$(count_of imported "$result")
if [[ $first_imported != "$rows" ]]; then
  echo "bench: expected $rows rows imported, the summary says: $result" >&2
  exit 1
fi

echo "Importing the same file again (every row a duplicate) ..."
timed_import
second_seconds=$seconds
second_duplicates=$(count_of duplicates "$result")
if [[ $second_duplicates != "$rows" ]]; then
  echo "bench: expected $rows duplicates, the summary says: $result" >&2
  exit 1
fi

peak_rss=n/a
if [[ -r /proc/$server_pid/status ]]; then
  kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
  [[ -z $kib ]] || peak_rss="$((kib / 1024)) MiB"
fi
store_size=$(du -sh "$work/data" | cut -f1)
stop_server

build_type=unknown
if [[ -r $build/CMakeCache.txt ]]; then
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
  [[ -n $build_type ]] || build_type=default
  if grep -q '^PLAUDIT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    build_type="$build_type + ASan/UBSan"
  fi
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | sed -n 1p)
[[ -n $cpu ]] || cpu=$(uname -m)

echo
echo "For BENCHMARKS.md (the header once, then one row per run):"
echo
echo "| date | CPU | nproc | build | rows | import (s) | rows/s | re-import, all duplicates (s) | rows/s | server peak RSS | store size |"
echo "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
echo "| $(date +%Y-%m-%d) | $cpu | $(nproc) | $build_type | $rows | $first_seconds | $(per_second "$rows" "$first_seconds") | $second_seconds | $(per_second "$rows" "$second_seconds") | $peak_rss | $store_size |"
