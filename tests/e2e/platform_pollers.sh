#!/usr/bin/env bash
# Contacts polled from platform APIs to standings: plaudit-platform-fake plays Genesys Cloud
# (OAuth client credentials, conversation detail jobs) and Zendesk (the incremental ticket
# export) on loopback; plauditd's genesys_poller and zendesk_poller read them page by page into
# the contact ingest. Agents are matched by each source's identity map; a transfer gives both
# agents a call; a ticket rated later replaces its earlier version, through a rate limit; a
# restart resumes from the cursor files and counts nothing twice; no secret reaches the log or the
# status; and a program's leaderboard is computed from what came in.
source "$(dirname "$0")/lib.sh"
cd "$src"

client_secret=gc-e2e-s3cret-41d
api_token=zd-e2e-t0ken-9c2
fixtures=tests/plugins/fixtures

fake_pid=
stop_fake() {
  if [[ -n $fake_pid ]]; then
    kill -TERM "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
}
trap 'status=$?; stop_fake; cleanup $status' EXIT

"$build/bin/plaudit-platform-fake" --port 0 --page-size 2 --job-checks 1 \
  --genesys "$fixtures/poll_genesys_conversations.jsonl" \
  --zendesk "$fixtures/poll_zendesk_tickets.jsonl" \
  --client-id plaudit-e2e --client-secret "$client_secret" \
  --zendesk-email ops@example.com --zendesk-token "$api_token" >"$work/fake.out" 2>&1 &
fake_pid=$!
for _ in $(seq 1 100); do
  [[ $(head -n 1 "$work/fake.out" 2>/dev/null) == "listening on 127.0.0.1:"* ]] && break
  sleep 0.05
done
fake=$(head -n 1 "$work/fake.out" 2>/dev/null || true)
[[ $fake == "listening on 127.0.0.1:"* ]] || fail "plaudit-platform-fake did not start: $(cat "$work/fake.out")"
fake=http://${fake#listening on }

# fake_control METHOD PATH [BODY]: a call to the fake's /_fake/ controls; prints the answer.
fake_control() {
  python3 -c '
import sys, urllib.request
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
request = urllib.request.Request(sys.argv[2], data=data, method=sys.argv[1])
print(urllib.request.urlopen(request, timeout=30).read().decode())
' "$1" "$fake$2" "${@:3}"
}

cat >"$work/genesys-identities.csv" <<'CSV'
identity,agent_id
u-anna,c901
u-ben,c902
u-cleo,c903
CSV
cat >"$work/zendesk-identities.csv" <<'CSV'
identity,agent_id
9001,c901
9002,c902
9003,c903
CSV
cat >"$work/plauditd.yaml" <<YAML
source_poll_interval_ms: 200
plugins:
  genesys_poller:
    source: genesys
    api_url: $fake
    login_url: $fake
    client_id: plaudit-e2e
    client_secret_env: PLAUDIT_E2E_GENESYS_SECRET
    start_time: "2026-10-01T00:00:00Z"
    job_check_interval_ms: "200"
    poll_interval_ms: "1000"
    identity_map_file: $work/genesys-identities.csv
  zendesk_poller:
    source: zendesk
    api_url: $fake
    email: ops@example.com
    api_token_file: $work/zendesk.token
    start_time: "2026-10-01T00:00:00Z"
    request_interval_ms: "0"
    poll_interval_ms: "1000"
    identity_map_file: $work/zendesk-identities.csv
YAML
export PLAUDIT_E2E_GENESYS_SECRET=$client_secret
printf '%s\n' "$api_token" >"$work/zendesk.token"
export PLAUDITD_CONFIG=$work/plauditd.yaml
start_server "$work/data"

cat >"$work/agents.csv" <<'CSV'
id,display_name,email,team,channel,hire_date,status
c901,Anna Berg,anna.berg@example.com,Support,phone,2024-01-10,active
c902,Ben Okafor,ben.okafor@example.com,Support,phone,2024-02-11,active
c903,Cleo Sousa,cleo.sousa@example.com,Billing,phone,2024-03-12,active
CSV
"$plaudit" agents import "$work/agents.csv" >/dev/null

status_json() { "$plaudit" sources status -o json; }
# source_field SOURCE FIELD: a field of one source's row in `plaudit sources status`.
source_field() {
  json_eval "$(status_json)" "next((r['$2'] for r in d if r['source'] == '$1'), '')"
}
# wait_for DESCRIPTION COMMAND...: until the command succeeds, or fails the test after 30 s.
wait_for() {
  local what=$1
  shift
  for _ in $(seq 1 300); do
    "$@" && return 0
    sleep 0.1
  done
  fail "$what: $(status_json)"
}
genesys_done() { [[ $(source_field genesys position) == *" done" ]]; }
zendesk_caught_up() { [[ $(source_field zendesk lag) == "caught up" ]]; }
all_matched() {
  [[ $(source_field genesys unmatched) -eq 0 && $(source_field zendesk unmatched) -eq 0 ]]
}

# Both sources read everything: five conversations (one with no agent), six tickets (one open,
# one unassigned), in pages of two.
wait_for "the Genesys window was not read" genesys_done
wait_for "the Zendesk export was not read" zendesk_caught_up
wait_for "facts still wait for their agents" all_matched
[[ $(source_field genesys contacts) -eq 5 ]] || fail "genesys contacts: $(status_json)"
[[ $(source_field zendesk contacts) -eq 6 ]] || fail "zendesk contacts: $(status_json)"
[[ $(source_field genesys rejected) -eq 0 && $(source_field zendesk rejected) -eq 0 ]] ||
  fail "nothing is unreadable: $(status_json)"
# The first window ran from start_time; later ones (every poll_interval_ms) reach back 6 hours.
[[ $(source_field genesys position) == "window "*" done" ]] || fail "genesys position: $(status_json)"
expect_contains "$(source_field zendesk position)" "cursor " "zendesk position"
[[ -s $work/data/contacts/genesys/cursor && -s $work/data/contacts/zendesk/cursor ]] ||
  fail "the cursor files: $(ls -R "$work/data/contacts")"

anna=$(summary_of c901)
[[ $(metric "$anna" calls_handled samples) -eq 1 ]] || fail "anna's call: $anna"
[[ $(metric "$anna" chats_handled samples) -eq 1 ]] || fail "anna's chat: $anna"
[[ $(metric "$anna" emails_handled samples) -eq 2 ]] || fail "anna's tickets: $anna"
[[ $(metric "$anna" aht_seconds sum) == 945.5 ]] || fail "anna's handle time (345.5 + 600): $anna"
[[ $(metric "$anna" csat sum) == 5 ]] || fail "anna's one rating: $anna"
ben=$(summary_of c902)
[[ $(metric "$ben" calls_handled samples) -eq 2 ]] ||
  fail "ben's calls (the transfer he came back to counts once, and conv-7): $ben"
[[ $(metric "$ben" aht_seconds sum) == 660 ]] || fail "ben's handle time (300 + 120 + 240): $ben"
[[ $(metric "$ben" repeat_contacts samples) -eq 1 ]] || fail "ben's reopened ticket: $ben"
cleo=$(summary_of c903)
[[ $(metric "$cleo" calls_handled samples) -eq 2 ]] ||
  fail "cleo's calls (her part of the transfer, and a voice ticket): $cleo"
[[ $(metric "$cleo" aht_seconds sum) == 900 ]] || fail "cleo's handle time: $cleo"

# Ticket 101 is rated later; the export answers the next request with 429 first.
fake_control POST /_fake/faults \
  '{"status": 429, "count": 1, "retry_after": "1", "path": "/api/v2/incremental/"}' >/dev/null
fake_control POST /_fake/zendesk/tickets "$(cat "$fixtures/poll_zendesk_revisions.jsonl")" >/dev/null
anna_rated_twice() { [[ $(metric "$(summary_of c901)" csat samples) -eq 2 ]]; }
wait_for "the rating did not arrive" anna_rated_twice
anna=$(summary_of c901)
[[ $(metric "$anna" emails_handled samples) -eq 2 ]] || fail "a revision is no new ticket: $anna"
[[ $(metric "$anna" csat sum) == 10 ]] || fail "anna's ratings: $anna"
requests=$(fake_control GET /_fake/requests)
[[ $(json_eval "$requests" 'len([r for r in d["requests"] if r["status"] == 429])') -eq 1 ]] ||
  fail "one request was rate limited: $requests"
expect_contains "$(source_field zendesk last_problem)" "HTTP 429" "the rate limit is reported"

# kill -9 and start again: both resume from their cursor files; nothing counts twice.
before_genesys=$(source_field genesys taken)
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
start_server "$work/data"
sleep 3
anna=$(summary_of c901)
[[ $(metric "$anna" calls_handled samples) -eq 1 && $(metric "$anna" emails_handled samples) -eq 2 ]] ||
  fail "a restart counted contacts again: $anna"
[[ $(metric "$(summary_of c902)" calls_handled samples) -eq 2 ]] || fail "a restart counted ben's calls again"
# The Genesys window after the restart reaches back only lookback_hours, not to start_time.
[[ $(source_field genesys taken) -eq $before_genesys ]] ||
  fail "the next window (the last 6 hours) holds no conversation: $(status_json)"

# No secret in the log or the status.
for secret in "$client_secret" "$api_token"; do
  if grep -qF "$secret" "$work/plauditd.log"; then fail "a secret is in plauditd's log"; fi
  [[ $(status_json) != *"$secret"* ]] || fail "a secret is in the sources' status"
done

# A program's standings come from the polled contacts.
expect_leader fastest-handling aht_seconds lower_is_better c902 \
  "ben's mean handle time of 330 s is the best (anna 472.75, cleo 900)"
echo "platform_pollers: ok"
