#!/usr/bin/env bash
# Several plauditd replicas on one PostgreSQL database beside one plauditd on the embedded SQLite
# store, on the same data, measured in the same run (see BENCHMARKS.md, "Replicas on PostgreSQL"):
#
#   1. Closing a month: plaudit-bench-data writes AGENTS agents and EVENTS events of last month
#      into an SQLite data directory; `plaudit admin migrate` copies it into PostgreSQL (timed).
#      A monthly balanced scorecard is applied on each (timed: the period aggregates are built),
#      and `plaudit awards evaluate` decides and commits last month (timed, CLI start included):
#      on the SQLite plauditd, then through one of REPLICAS replicas on PostgreSQL.
#   2. The leaderboard of that month (a dry run: ranked again each call) under CLIENTS callers in
#      all for DURATION seconds: all on the SQLite plauditd, then spread over the replicas (one
#      plaudit-load per replica, CLIENTS / REPLICAS callers each).
#   3. Gift cards: a program gives the CARDS agents with the most surveys a card each, ordered
#      from the vendor sandbox answering every request LATENCY_MS late; the time from the
#      decision until every card is fulfilled: the SQLite plauditd alone, then the replicas
#      together.
#
# Usage: scripts/bench-replicas.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Environment: AGENTS (100000) EVENTS (2000000) REPLICAS (3) CLIENTS (6) DURATION (10)
#   CARDS (2000) LATENCY_MS (20) POOL_SIZE (8) KEEP=1 keeps the temporary directory; SMOKE=1
#   makes everything small (ctest's bench_replicas_smoke). Exits 1 when a leaderboard call failed
#   or a card was not fulfilled, after printing everything.
# PostgreSQL runs as scripts/test-postgres.sh starts it, with fsync on (PG_FSYNC=on); every
# server listens on loopback and is stopped when the script ends, however it ends.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "bench: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
for file in plauditd plaudit plaudit-load plaudit-bench-data vendor_sandbox; do
  if [[ ! -x $build/bin/$file ]]; then
    echo "bench: $build/bin/$file is missing; run 'make build' first" >&2
    exit 1
  fi
done
if [[ ${SMOKE:-} == 1 ]]; then
  : "${AGENTS:=500}" "${EVENTS:=20000}" "${CARDS:=20}" "${DURATION:=1}"
fi
agents=${AGENTS:-100000}
events=${EVENTS:-2000000}
replicas=${REPLICAS:-3}
clients=${CLIENTS:-6}
duration=${DURATION:-10}
cards=${CARDS:-2000}
latency=${LATENCY_MS:-20}
pool_size=${POOL_SIZE:-8}
for value in "$agents" "$events" "$replicas" "$clients" "$duration" "$cards" "$latency" "$pool_size"; do
  if [[ ! $value =~ ^[0-9]+$ ]] || ((value < 1)); then
    echo "bench: AGENTS, EVENTS, REPLICAS, CLIENTS, DURATION, CARDS, LATENCY_MS and POOL_SIZE must be positive numbers" >&2
    exit 1
  fi
done
month=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m)

work=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-bench-replicas.XXXXXX")
# The cluster's directory apart: when run as root, PostgreSQL's own user must reach it.
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-bench-pg.XXXXXX")
pids=()
sandbox_pid=
finish() {
  for pid in "${pids[@]}" $sandbox_pid; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  bash scripts/test-postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  if [[ ${KEEP:-} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap finish EXIT
trap 'exit 143' TERM INT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
used_ports=" "
free_port() {
  local port
  for ((port = 30000 + RANDOM % 20000; ; port++)); do
    [[ $used_ports == *" $port "* ]] && continue
    port_in_use "$port" || { used_ports+="$port "; echo "$port"; return; }
  done
}

echo "# $(date -u +%Y-%m-%d) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $agents agents, $events events in $month; $replicas replicas (pool_size $pool_size); $clients callers; $cards cards, vendor ${latency} ms"

# The vendor, answering every request LATENCY_MS late.
"$build/bin/vendor_sandbox" --port 0 --api-key bench-key --balance USD=100000000.00 \
  --fault "{\"type\":\"latency\",\"latency_ms\":$latency}" >"$work/sandbox.out" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do
  [[ $(head -n 1 "$work/sandbox.out" 2>/dev/null) == "listening on "* ]] && break
  sleep 0.05
done
sandbox=$(head -n 1 "$work/sandbox.out")
sandbox=${sandbox#listening on }

PG_FSYNC=on bash scripts/test-postgres.sh start "$pg_dir" >"$work/pg.dsn" 2>"$work/pg.log"
dsn=$(cat "$work/pg.dsn")

# The data, once, into SQLite; then copied into PostgreSQL.
"$build/bin/plaudit-bench-data" --data-dir "$work/sqlite" --agents "$agents" --events "$events" \
  --month "$month" --raw-events 0 --no-group-by >"$work/data.out" 2>"$work/data.err"
grep -E '^(agents|insert) ' "$work/data.out" | sed 's/^/  /'
t0=$(now)
"$build/bin/plaudit" admin migrate --from "sqlite:$work/sqlite" --to "postgres:$dsn" >"$work/migrate.out"
migrate_s=$(elapsed "$t0" "$(now)")
echo "migrate   $migrate_s s  plaudit admin migrate of the data above (counted and checksummed)"

# Every plauditd: the same plugin settings; the PostgreSQL ones share the database and the key.
write_config() {  # FILE [STORE_LINE]
  cat >"$1" <<YAML
secrets: {key_file: $work/sqlite/secrets.key}
fulfilment: {workers: 64, concurrency: {gift_card: 32}}
plugins:
  gift_card: {base_url: "http://$sandbox", api_key_env: BENCH_GIFT_KEY, timeout_ms: "20000"}
${2:-}
YAML
}
export BENCH_GIFT_KEY=bench-key
start_plauditd() {  # DATA_DIR CONFIG LOG: sets $started_server
  local port
  port=$(free_port)
  started_server=127.0.0.1:$port
  "$build/bin/plauditd" --listen "$started_server" --data-dir "$1" --plugin-dir "$build/plugins" \
    --config "$2" >"$3" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    "$build/bin/plaudit" --server "$started_server" plugins list >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: plauditd on $1 did not answer; see $3" >&2
  tail -5 "$3" >&2
  exit 1
}

cp bench/programs/balanced-scorecard.yaml "$work/program.yaml"
# The gift cards: the CARDS agents with the most csat surveys, a card each.
cat >"$work/cards.yaml" <<YAML
id: bench-cards
name: Bench Cards
cadence: monthly
time_zone: UTC
scorecard:
  normalization: none
  metrics:
    - {metric: csat, aggregation: count}
award:
  rule: top_n
  n: $cards
  rewards:
    - {type: gift_card, brand: bookshop, amount: 25, currency: USD}
approval: auto
YAML

failures=0
# measure LABEL COUNT_COMMAND SERVER... : parts 1 to 3 against the given servers (the first takes the writes).
measure() {
  local label=$1 count_sql=$2
  shift 2
  local servers=("$@") t0 first=$1
  echo
  echo "## $label"
  t0=$(now)
  "$build/bin/plaudit" --server "$first" programs apply -f "$work/program.yaml" >/dev/null
  echo "apply     $(elapsed "$t0" "$(now)") s  programs apply (the month's aggregates built)"
  t0=$(now)
  "$build/bin/plaudit" --server "${servers[1 % ${#servers[@]}]}" awards evaluate balanced-scorecard \
    --period "$month" >/dev/null
  echo "close     $(elapsed "$t0" "$(now)") s  awards evaluate $month: decided and committed"
  # The leaderboard, spread over the servers.
  local per=$((clients / ${#servers[@]} > 0 ? clients / ${#servers[@]} : 1)) i=0 load_pids=()
  for server in "${servers[@]}"; do
    "$build/bin/plaudit-load" --server "$server" --rpc leaderboard --program balanced-scorecard \
      --period "$month" --concurrency "$per" --duration "$duration" >"$work/load-$label-$i.txt" 2>&1 &
    load_pids+=($!)
    i=$((i + 1))
  done
  for pid in "${load_pids[@]}"; do wait "$pid" || failures=$((failures + 1)); done
  if grep -q "^first error" "$work"/load-"$label"-*.txt; then
    grep -h "^first error" "$work"/load-"$label"-*.txt
    failures=$((failures + 1))
  fi
  cat "$work"/load-"$label"-*.txt | awk -v n="${#servers[@]}" -v per="$per" '
    $1 ~ /^[0-9]+$/ && NF == 8 { calls += $2; errors += $3; rate += $4; if ($6 > p90) p90 = $6;
                                 if ($7 > p99) p99 = $7; if ($5 > p50) p50 = $5 }
    END { printf "leaderboard %d server(s) x %d caller(s): %d calls, %d errors, %.1f calls/s, " \
                 "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms (the worst server'"'"'s)\n", n, per, calls, errors, rate,
                 p50, p90, p99 }'
  # The cards: from the decision until the last is fulfilled.
  "$build/bin/plaudit" --server "$first" programs apply -f "$work/cards.yaml" >/dev/null
  t0=$(now)
  "$build/bin/plaudit" --server "$first" awards evaluate bench-cards --period "$month" >/dev/null
  local done_count=0
  for _ in $(seq 1 6000); do
    done_count=$(eval "$count_sql")
    ((done_count >= cards)) && break
    sleep 0.1
  done
  local took
  took=$(elapsed "$t0" "$(now)")
  ((done_count >= cards)) || failures=$((failures + 1))
  echo "cards     $done_count of $cards fulfilled in $took s: $(awk -v n="$done_count" -v s="$took" 'BEGIN { printf "%.1f", n / s }') cards/s"
}

write_config "$work/sqlite.yaml"
start_plauditd "$work/sqlite" "$work/sqlite.yaml" "$work/sqlite.log"
measure "sqlite, one plauditd" \
  "sqlite3 '$work/sqlite/plaudit.db' \"SELECT COUNT(*) FROM fulfilments WHERE state = 'fulfilled'\"" \
  "$started_server"
kill -TERM "${pids[0]}"
wait "${pids[0]}" || true
pids=()

write_config "$work/replica.yaml" "store: {driver: postgres, dsn: \"$dsn\", pool_size: $pool_size}"
servers=()
for ((r = 0; r < replicas; r++)); do
  start_plauditd "$work/replica-$r" "$work/replica.yaml" "$work/replica-$r.log"
  servers+=("$started_server")
done
measure "postgres, $replicas replicas" \
  "psql '$dsn' -Atc \"SELECT COUNT(*) FROM fulfilments WHERE state = 'fulfilled'\"" "${servers[@]}"
((failures == 0)) || { echo "bench: $failures part(s) failed" >&2; exit 1; }
