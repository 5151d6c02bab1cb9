#!/usr/bin/env bash
# Contacts from a platform to standings: Amazon Connect contact records dropped as JSON-lines
# files are taken by the contact_dir plugin; agents are matched by the identity map; a revision
# replaces the events of the version before it (a correction by the source), a duplicate delivery
# and a replay after a restart count once, unreadable records are set aside with their reason, a
# record of an unknown agent waits in `plaudit sources unmatched` until the agent appears, and a
# program's leaderboard is computed from what came in.
source "$(dirname "$0")/lib.sh"
cd "$src"

records=tests/plugins/fixtures/amazon-connect/contact-records.jsonl
inbox=$work/data/contacts/connect/inbox
processed=$work/data/contacts/connect/processed
cat >"$work/identities.csv" <<'CSV'
identity,agent_id
jane.doe,c901
sam.lee,c902
CSV
cat >"$work/plauditd.yaml" <<YAML
source_poll_interval_ms: 200
plugins:
  contact_dir: {format: amazon_connect, source: connect, identity_map_file: $work/identities.csv}
YAML
export PLAUDITD_CONFIG=$work/plauditd.yaml
start_server "$work/data"

cat >"$work/agents.csv" <<'CSV'
id,display_name,email,team,channel,hire_date,status
c901,Jane Doe,jane.doe@example.com,Phones,phone,2024-01-10,active
c902,Sam Lee,sam.lee@example.com,Phones,phone,2024-02-11,active
CSV
"$plaudit" agents import "$work/agents.csv" >/dev/null

# drop NAME LINES...: the fixture's lines as one file in the inbox, old enough to be taken.
drop() {
  local name=$1
  shift
  local lines
  lines=$(printf '%sp;' "$@")
  sed -n "$lines" "$records" >"$work/$name"
  touch -d '-5 seconds' "$work/$name"
  mv "$work/$name" "$inbox/$name"
}
wait_taken() {
  for _ in $(seq 1 300); do
    [[ -e $processed/$1 ]] && return 0
    sleep 0.1
  done
  fail "$1 was not taken: $(ls -la "$inbox" "$processed" 2>&1)"
}
status_field() { json_eval "$("$plaudit" sources status -o json)" "d[0]['$1']"; }

# Day 1: the first version of c-0001, three other legs (one of an unknown agent), a contact no
# agent took, a chat with a survey score out of range, a task, and two unreadable records.
drop day1.jsonl 1 4 5 6 7 8 9 10
wait_taken day1.jsonl
[[ $(status_field taken) -eq 8 ]] || fail "taken: $("$plaudit" sources status -o json)"
[[ $(status_field rejected) -eq 2 ]] || fail "rejected: $("$plaudit" sources status -o json)"
[[ $(status_field unmatched) -eq 1 ]] || fail "unmatched: $("$plaudit" sources status -o json)"
[[ $(status_field contacts) -eq 6 ]] || fail "contacts: $("$plaudit" sources status -o json)"
[[ $(status_field position) == "day1.jsonl line 8" ]] || fail "position: $(status_field position)"
rejected=$(cat "$processed/day1.jsonl.rejected.jsonl")
[[ $(wc -l <<<"$rejected") -eq 2 ]] || fail "two records set aside: $rejected"
expect_contains "$rejected" '"line":7,"reason":"LastUpdateTimestamp: \"yesterday\" is not a time' \
  "rejected record"
expect_contains "$rejected" '"line":8,"reason":"not a JSON record' "rejected record"
expect_contains "$(cat "$processed/day1.jsonl.problems.txt")" \
  "day1.jsonl line 5: Attributes.csat: \"7\" is not a csat score from 1 to 5; left out" "problems"

jane=$(summary_of c901)
[[ $(metric "$jane" calls_handled samples) -eq 1 ]] || fail "jane's calls: $jane"
[[ $(metric "$jane" aht_seconds sum) == 1605 ]] || fail "jane's handle time (345 + 1260): $jane"
[[ $(metric "$jane" nps sum) == 9 ]] || fail "jane's nps: $jane"

unmatched=$("$plaudit" sources unmatched -o json)
[[ $(json_eval "$unmatched" '"|".join(f["contact_id"] + "," + f["participant"] for f in d)') == \
  "c-0004,mo.ali" ]] || fail "unmatched: $unmatched"

# Day 2: the revision of c-0001 (after-contact work ended) and the same revision delivered again.
drop day2.jsonl 2 3
wait_taken day2.jsonl
jane=$(summary_of c901)
[[ $(metric "$jane" calls_handled samples) -eq 1 ]] || fail "a revision is no new call: $jane"
[[ $(metric "$jane" aht_seconds sum) == 1695 ]] || fail "the revision's handle time: $jane"
corrections=$("$plaudit" corrections list -o json)
[[ $(json_eval "$corrections" \
  'len([c for c in d if c["kind"] == "event_replaced" and c["actor"] == "source:connect"])') -eq 1 ]] ||
  fail "the revision replaces one event, recorded as the source's correction: $corrections"

# The agent appears (in the map and the agents): the waiting contact is applied by itself.
echo "mo.ali,c903" >>"$work/identities.csv"
echo "c903,Mo Ali,mo.ali@example.com,Phones,phone,2024-03-12,active" >>"$work/agents.csv"
"$plaudit" agents import "$work/agents.csv" >/dev/null
for _ in $(seq 1 300); do
  [[ $(status_field unmatched) -eq 0 ]] && break
  sleep 0.1
done
[[ $(status_field unmatched) -eq 0 ]] || fail "mo.ali's contact still waits"
mo=$(summary_of c903)
[[ $(metric "$mo" aht_seconds sum) == 1080 ]] || fail "mo's contact: $mo"

# kill -9, then the same records again under another name: nothing counts twice.
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
start_server "$work/data"
drop day1-again.jsonl 1 2 3 4 5 6 7 8
wait_taken day1-again.jsonl
[[ $(metric "$(summary_of c901)" aht_seconds sum) == 1695 ]] || fail "a replay counted again"
[[ $(metric "$(summary_of c903)" calls_handled samples) -eq 1 ]] || fail "a replay counted again"

# A program's standings come from the contacts.
expect_leader fastest-phones aht_seconds lower_is_better c901 \
  "jane's 847.5 s is the best mean handle time (sam 1065, mo 1080)"
echo "contact_sources: ok"
