#!/usr/bin/env bash
# Contacts from a Kafka topic to standings: Amazon Connect contact records (with a revision, a
# duplicate delivery, a record of an unknown agent and two unreadable records) on a topic of
# librdkafka's mock cluster (plaudit-kafka-mock) are taken by plauditd's kafka_source plugin as a
# consumer group. The unreadable records go to the dead-letter file, the unknown agent's contact
# waits until the agent appears, kill -9 and a restart count nothing twice, and a program's
# leaderboard is computed from what came in.
source "$(dirname "$0")/lib.sh"
cd "$src"

mock_pid=
stop_mock() {
  exec 7>&- 2>/dev/null || true
  if [[ -n $mock_pid ]]; then
    kill -TERM "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
}
trap 'status=$?; stop_mock; cleanup $status' EXIT

mkfifo "$work/mock.in"
"$build/bin/plaudit-kafka-mock" --partitions 2 \
  --file tests/plugins/fixtures/amazon-connect/contact-records.jsonl <"$work/mock.in" \
  >"$work/mock.out" 2>&1 &
mock_pid=$!
exec 7>"$work/mock.in"  # held open: the mock serves until it closes
for _ in $(seq 1 100); do
  grep -q '^produced' "$work/mock.out" && break
  kill -0 "$mock_pid" 2>/dev/null || fail "plaudit-kafka-mock exited: $(cat "$work/mock.out")"
  sleep 0.1
done
bootstrap=$(sed -n 's/^bootstrap //p' "$work/mock.out")
[[ -n $bootstrap ]] || fail "plaudit-kafka-mock did not start: $(cat "$work/mock.out")"

cat >"$work/identities.csv" <<'CSV'
identity,agent_id
jane.doe,c901
sam.lee,c902
CSV
cat >"$work/plauditd.yaml" <<YAML
source_poll_interval_ms: 200
plugins:
  kafka_source:
    format: amazon_connect
    source: connect
    brokers: "$bootstrap"
    topics: contacts
    identity_map_file: $work/identities.csv
    kafka.session.timeout.ms: "6000"
    kafka.heartbeat.interval.ms: "500"
YAML
export PLAUDITD_CONFIG=$work/plauditd.yaml
start_server "$work/data"
cat >"$work/agents.csv" <<'CSV'
id,display_name,email,team,channel,hire_date,status
c901,Jane Doe,jane.doe@example.com,Phones,phone,2024-01-10,active
c902,Sam Lee,sam.lee@example.com,Phones,phone,2024-02-11,active
CSV
"$plaudit" agents import "$work/agents.csv" >/dev/null

status_field() { json_eval "$("$plaudit" sources status -o json)" "d[0]['$1'] if d else 0"; }

for _ in $(seq 1 600); do
  [[ $(status_field taken) -ge 10 ]] && break
  sleep 0.1
done
[[ $(status_field taken) -eq 10 ]] || fail "all ten records taken: $("$plaudit" sources status -o json)"
[[ $(status_field rejected) -eq 2 ]] || fail "rejected: $("$plaudit" sources status -o json)"
[[ $(status_field unmatched) -eq 1 ]] || fail "mo.ali's contact waits: $("$plaudit" sources status -o json)"
expect_contains "$(status_field position)" "contacts/" "the position names partitions and offsets"
dead=$(cat "$work/data/contacts/connect/dead-letter.jsonl")
[[ $(wc -l <<<"$dead") -eq 2 ]] || fail "two dead letters: $dead"
expect_contains "$dead" '"reason":"not a JSON record' "the unreadable record's reason"
expect_contains "$dead" 'LastUpdateTimestamp: \"yesterday\" is not a time' "the bad time's reason"

jane=$(summary_of c901)
[[ $(metric "$jane" calls_handled samples) -eq 1 ]] || fail "c-0001 and its revisions are one call: $jane"
[[ $(metric "$jane" aht_seconds sum) == 1695 ]] ||
  fail "jane's handle time (c-0001's newest version 435 + the chat's 1260): $jane"
# The agent appears: the waiting contact is applied.
echo "mo.ali,c903" >>"$work/identities.csv"
echo "c903,Mo Ali,mo.ali@example.com,Phones,phone,2024-03-12,active" >>"$work/agents.csv"
"$plaudit" agents import "$work/agents.csv" >/dev/null
for _ in $(seq 1 300); do
  [[ $(status_field unmatched) -eq 0 ]] && break
  sleep 0.1
done
[[ $(metric "$(summary_of c903)" aht_seconds sum) == 1080 ]] || fail "mo's contact: $(summary_of c903)"

# kill -9 and a restart: the group's committed offsets hold; nothing counts twice.
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
start_server "$work/data"
sleep 3
[[ $(metric "$(summary_of c901)" aht_seconds sum) == 1695 ]] || fail "a restart counted jane's again"
[[ $(metric "$(summary_of c903)" calls_handled samples) -eq 1 ]] || fail "a restart counted mo's again"

expect_leader fastest-phones aht_seconds lower_is_better c901 \
  "jane's 847.5 s is the best mean handle time (sam 1065, mo 1080)"
echo "kafka_source: ok"
