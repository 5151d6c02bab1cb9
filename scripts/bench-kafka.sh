#!/usr/bin/env bash
# Contact records through the Kafka source: RECORDS (1,000,000) Amazon Connect contact records of
# AGENTS (1,000) agents on a Kafka topic (plaudit-kafka-mock: librdkafka's mock
# cluster on loopback, filled before the clock starts) taken by plauditd's kafka_source plugin into
# its SQLite store, each record three metric events (calls_handled, aht_seconds, csat). Beside it,
# in the same run: the baseline, the same events as a CSV file imported with `plaudit metrics
# import` into a fresh store. Prints records and events per second for both.
#
# Usage: scripts/bench-kafka.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Environment: RECORDS, AGENTS, SMOKE=1 (2,000 records of 50 agents, and checks the counts: for
# ctest), KEEP=1 keeps the scratch directory.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "bench: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
plauditd_bin=$build/bin/plauditd
plaudit_bin=$build/bin/plaudit
mock_bin=$build/bin/plaudit-kafka-mock
for file in "$plauditd_bin" "$plaudit_bin" "$mock_bin" "$build/plugins/kafka_source.so"; do
  [[ -e $file ]] || { echo "bench: $file is missing; build it first" >&2; exit 1; }
done
if [[ ${SMOKE:-} == 1 ]]; then
  : "${RECORDS:=2000}" "${AGENTS:=50}"
fi
records=${RECORDS:-1000000}
agents=${AGENTS:-1000}
# The mock cluster keeps about the last 5 MB of each partition: enough partitions that every
# record (about 330 bytes) is still there when the consumer comes to it.
partitions=$((records / 8000 + 4))

script_name=bench
# shellcheck source=lib/plauditd.sh
source scripts/lib/plauditd.sh
work=
mock_pid=
on_exit() {
  local status=$?
  stop_server 2>/dev/null
  if [[ -n $mock_pid ]]; then kill -TERM "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  keep_or_remove_work "$status"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
work=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-bench-kafka.XXXXXX")
mkdir "$work/plugins"
cp "$build/plugins/kafka_source.so" "$work/plugins/"

echo "== Producing $records contact records of $agents agents to a mock Kafka cluster"
mkfifo "$work/mock.in"
"$mock_bin" --synthetic "$records" --agents "$agents" --partitions "$partitions" <"$work/mock.in" \
  >"$work/mock.out" 2>&1 &
mock_pid=$!
exec 7>"$work/mock.in"  # held open: the mock serves until it closes
until grep -q '^produced' "$work/mock.out"; do
  alive "$mock_pid" || { cat "$work/mock.out" >&2; exit 1; }
  sleep 0.2
done
bootstrap=$(sed -n 's/^bootstrap //p' "$work/mock.out")
echo "  $(grep '^produced' "$work/mock.out")"

{
  echo "id,display_name,email,team,channel,hire_date,status"
  for ((i = 1; i <= agents; i++)); do printf 'a%05d,Agent %d,a%05d@example.com,Team %d,phone,2024-01-15,active\n' "$i" "$i" "$i" $((i % 20)); done
} >"$work/agents.csv"

start_plauditd() {
  local data=$1 config=$2
  port=$(free_port) || { echo "bench: no free port" >&2; exit 1; }
  server=127.0.0.1:$port
  "$plauditd_bin" --listen "$server" --data-dir "$data" --plugin-dir "$work/plugins" \
    ${config:+--config "$config"} >>"$work/plauditd.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 240); do
    timeout 5 "$plaudit_bin" --server "$server" plugins list >/dev/null 2>&1 && return 0
    alive "$server_pid" || { echo "bench: plauditd exited at start" >&2; tail "$work/plauditd.log" >&2; exit 1; }
    sleep 0.25
  done
  echo "bench: plauditd did not answer" >&2
  exit 1
}

# The agents first (plauditd without the source), so that every record finds its agent.
mkdir "$work/kafka-data"
start_plauditd "$work/kafka-data" ""
"$plaudit_bin" --server "$server" agents import "$work/agents.csv" >/dev/null
stop_server
cat >"$work/kafka.yaml" <<YAML
source_poll_interval_ms: 50
plugins:
  kafka_source: {format: amazon_connect, source: connect, brokers: "$bootstrap", topics: contacts, batch_size: "2000"}
YAML
start=$(date +%s.%N)
start_plauditd "$work/kafka-data" "$work/kafka.yaml"
taken=0
first=
first_taken=0
while ((taken < records)); do
  sleep 0.2
  status=$("$plaudit_bin" --server "$server" sources status -o json)
  taken=$(python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[0]["taken"] if d else 0)' <<<"$status")
  if [[ -z $first ]] && ((taken > 0)); then
    first=$(date +%s.%N)
    first_taken=$taken
  fi
  alive "$server_pid" || { echo "bench: plauditd exited" >&2; exit 1; }
done
end=$(date +%s.%N)
kafka_seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
# Once records flow: from the first batch seen stored to the last (start-up and the group join
# left out).
flowing_seconds=$(awk -v a="$first" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
read -r contacts unmatched rejected < <(python3 -c 'import json, sys; d = json.load(sys.stdin)[0]; print(d["contacts"], d["unmatched"], d["rejected"])' <<<"$status")
stop_server
printf '  kafka     %s records (%s contacts, %s events) in %s s from plauditd start: %s records/s\n' \
  "$records" "$contacts" $((records * 3)) "$kafka_seconds" \
  "$(awk -v r="$records" -v s="$kafka_seconds" 'BEGIN { printf "%.0f", r / s }')"
kafka_rate=$(awk -v r="$((records - first_taken))" -v s="$flowing_seconds" 'BEGIN { printf "%.0f", r / s }')
printf '  kafka     once flowing: %s records in %s s: %s records/s, %s events/s\n' \
  "$((records - first_taken))" "$flowing_seconds" "$kafka_rate" "$((kafka_rate * 3))"

# The baseline: the same events as plain rows.
awk -v n="$records" -v agents="$agents" 'BEGIN {
  print "event_id,agent_id,metric,value,occurred_at"
  for (i = 0; i < n; i++) {
    day = 5 + i % 21; minute = int(i / 21) % 600
    when = sprintf("2026-10-%02dT%02d:%02d:00Z", day, 8 + int(minute / 60), minute % 60)
    agent = sprintf("a%05d", 1 + i % agents)
    printf "c%09d-calls,%s,calls_handled,1,%s\n", i, agent, when
    printf "c%09d-aht,%s,aht_seconds,%d,%s\n", i, agent, (120 + i % 480) + i % 60 + (30 + i % 90), when
    printf "c%09d-csat,%s,csat,%d,%s\n", i, agent, 1 + i % 5, when
  }
}' >"$work/events.csv"
mkdir "$work/plain-data"
start_plauditd "$work/plain-data" ""
"$plaudit_bin" --server "$server" agents import "$work/agents.csv" >/dev/null
start=$(date +%s.%N)
"$plaudit_bin" --server "$server" metrics import "$work/events.csv" >"$work/import.out"
end=$(date +%s.%N)
plain_seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
printf '  baseline  %s events (%s contacts) imported as CSV in %s s: %s events/s, %s contacts/s; %s\n' \
  $((records * 3)) "$records" "$plain_seconds" \
  "$(awk -v r="$records" -v s="$plain_seconds" 'BEGIN { printf "%.0f", 3 * r / s }')" \
  "$(awk -v r="$records" -v s="$plain_seconds" 'BEGIN { printf "%.0f", r / s }')" "$(cat "$work/import.out")"
printf '  ratio     the Kafka source, once flowing, at %s x the plain import (contacts/s)\n' \
  "$(awk -v k="$kafka_rate" -v r="$records" -v p="$plain_seconds" 'BEGIN { printf "%.2f", k / (r / p) }')"

if ((contacts != records || unmatched != 0 || rejected != 0)); then
  echo "bench: expected $records contacts, none unmatched or rejected; got $contacts, $unmatched, $rejected" >&2
  exit 1
fi
[[ $(cat "$work/import.out") == "imported $((records * 3)), duplicates 0, rejected 0" ]] ||
  { echo "bench: the baseline import: $(cat "$work/import.out")" >&2; exit 1; }
