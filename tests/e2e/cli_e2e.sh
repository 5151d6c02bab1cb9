#!/usr/bin/env bash
# The CLI against a running plauditd with the real plugins, over TLS with tokens minted by
# plaudit-dev-issuer (an admin unless as_user names someone else): import, evaluate, fulfil,
# check the certificate's text, and every error path a user meets first.
source "$(dirname "$0")/lib.sh"
cd "$src"

cat >"$work/plauditd.yaml" <<'YAML'
plugins:
  parking: {spots: "P1:vip,near_entrance;P2:ev", time_zone: Europe/Stockholm}
  manual: {assignee_role: facilities}
YAML
PLAUDITD_CONFIG="$work/plauditd.yaml" start_secure_server "$work/data"

out=$("$plaudit" plugins list)
for p in certificate leave_credit csv_dir; do expect_contains "$out" "$p" "plugins list"; done

out=$("$plaudit" agents import examples/agents.csv)
expect_contains "$out" "imported 60, rejected 0" "agents import"
[[ $("$plaudit" agents list -o json | json_eval "$(cat)" 'len(d)') == 60 ]] || fail "agents list"

events=$(($(wc -l <examples/events-2026-10.csv) - 1))
out=$("$plaudit" metrics import examples/events-2026-10.csv)
expect_contains "$out" "imported $events, duplicates 0, rejected 0" "metrics import"

set +e
out=$("$plaudit" metrics import examples/events-bad.csv 2>"$work/bad.err")
rc=$?
set -e
[[ $rc -ne 0 ]] || fail "importing bad rows must exit non-zero"
expect_contains "$out" "imported 3, duplicates 1, rejected 11" "bad import"
expect_contains "$(cat "$work/bad.err")" "unknown agent" "bad import reasons"
expect_contains "$(cat "$work/bad.err")" "line " "bad import line numbers"

out=$("$plaudit" metrics import examples/events-2026-10.csv)
expect_contains "$out" "imported 0, duplicates $events, rejected 0" "re-import"

out=$("$plaudit" metrics summary --period 2026-10 --agent a001 -o csv)
expect_contains "$out" "agent_id,metric,samples,sum,mean,min,max" "summary header"
expect_contains "$out" "a001,csat," "summary rows"

printf 'id: broken\nname: Broken\nscorecard:\n  metrics:\n    - metric: csat\n      weight: x\n' \
  >"$work/broken.yaml"
if "$plaudit" programs apply -f "$work/broken.yaml" 2>"$work/apply.err"; then
  fail "a broken program must be refused"
fi
[[ $(wc -l <"$work/apply.err") -eq 1 ]] || fail "error must be one line: $(cat "$work/apply.err")"
expect_contains "$(cat "$work/apply.err")" "line " "program error names the line"

"$plaudit" programs apply -f examples/programs/employee-of-the-month.yaml >/dev/null
expect_contains "$("$plaudit" programs list)" "employee-of-the-month" "programs list"

dry=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 --dry-run -o json)
[[ $(json_eval "$dry" 'len(d["standings"])') == 60 ]] || fail "every agent has a standing"
[[ $(json_eval "$dry" 'len(d["awards"])') == 3 ]] || fail "one award per channel"
# One JSON shape: numbers as numbers, enums in lower case as `list` prints them.
[[ $(json_eval "$dry" 'all(type(m["samples"]) is int for s in d["standings"] for m in s["metrics"])') == True ]] ||
  fail "samples must be JSON numbers"
[[ $(json_eval "$dry" 'sorted(set(a["state"] for a in d["awards"]))') == "['proposed']" ]] ||
  fail "award states must be lower case in evaluate's JSON"
# --top 3: ranks 1 to 3, nobody ineligible; the awards all stay.
top=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 --dry-run --top 3 -o json)
[[ $(json_eval "$top" '[s["rank"] for s in d["standings"]]') == "[1, 2, 3]" ]] ||
  fail "--top 3 keeps ranks 1 to 3: $top"
[[ $(json_eval "$top" 'len(d["awards"])') == 3 ]] || fail "--top leaves the awards alone"
expect_contains "$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 --dry-run --top 1)" \
  "standing 1 of 60; next page: --page-token 1" "--top says which standings and the next page"
[[ $("$plaudit" awards list -o json | json_eval "$(cat)" 'len(d)') == 0 ]] ||
  fail "a dry run writes nothing"

first=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 -o json)
[[ $(json_eval "$first" 'sorted(a["id"] for a in d["awards"])') == \
  "$(json_eval "$dry" 'sorted(a["id"] for a in d["awards"])')" ]] || fail "dry run and commit differ"
[[ $(json_eval "$first" 'sum(1 for s in d["standings"] if not s["eligible"] and s["reasons"])') -gt 0 ]] ||
  fail "ineligible agents carry reasons"
# The stored decision a page at a time: five around the 31st standing, then its next page.
around=$(json_eval "$first" 'd["standings"][30]["agent_id"]')
page=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 --top 5 --around "$around" -o json)
[[ $(json_eval "$page" '[s["agent_id"] for s in d["standings"]]') == \
  "$(json_eval "$first" '[s["agent_id"] for s in d["standings"][28:33]]')" ]] ||
  fail "--around shows the page around the agent: $page"
expect_contains "$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 --top 5 --around "$around")" \
  "standings 29–33 of 60; next page: --page-token 33" "--around says which standings"
next=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 --top 5 --page-token 33 -o json)
[[ $(json_eval "$next" 'd["standings"][0]["agent_id"]') == "$(json_eval "$first" 'd["standings"][33]["agent_id"]')" ]] ||
  fail "--page-token shows the next page: $next"
expect_contains "$("$plaudit" leaderboard employee-of-the-month --period 2026-10 --agent "$around")" \
  "standing 31 of 60" "--agent shows one standing"

# Wait for the fulfilment engine.
for _ in $(seq 1 100); do
  states=$("$plaudit" fulfilments list -o json | json_eval "$(cat)" 'sorted(set(f["state"] for f in d))')
  [[ $states == "['fulfilled']" ]] && break
  sleep 0.2
done
[[ $states == "['fulfilled']" ]] || fail "fulfilments did not all succeed: $("$plaudit" fulfilments list)"
fulfilments=$("$plaudit" fulfilments list -o json)
[[ $(json_eval "$fulfilments" 'len(d)') == 6 ]] || fail "two rewards for each of three awards"

# Each certificate is a PDF naming the agent, the program and the period.
winners=$(json_eval "$first" '" ".join(a["agent_id"] for a in d["awards"])')
for agent in $winners; do
  pdf=$(json_eval "$fulfilments" "[f['artifact'] for f in d if f['agent_id']=='$agent' and f['type']=='certificate'][0]")
  [[ -f $pdf ]] || fail "certificate $pdf missing"
  text=$(pdftotext "$pdf" - | tr -s ' \n' ' ')
  name=$(awk -F, -v id="$agent" '$1 == id { print $2 }' examples/agents.csv)
  expect_contains "$text" "$name" "certificate names the agent"
  expect_contains "$text" "Employee of the Month" "certificate names the program"
  expect_contains "$text" "October 2026" "certificate names the period"
done

again=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 -o json)
[[ $(json_eval "$again" 'sorted(a["id"] for a in d["awards"])') == \
  "$(json_eval "$first" 'sorted(a["id"] for a in d["awards"])')" ]] || fail "re-evaluation changed awards"
[[ $("$plaudit" fulfilments list -o json | json_eval "$(cat)" 'len(d)') == 6 ]] ||
  fail "re-evaluation started new fulfilments"
expect_contains "$("$plaudit" awards list --program employee-of-the-month -o csv)" "fulfilled" "awards list"

# Closing by itself: October was decided by hand above; the open month closes 48h after it ends.
status=$("$plaudit" programs status -o json)
[[ $(json_eval "$status" 'd[0]["last_closed"] + "|" + d[0]["next_period"] + "|" + d[0]["close_after"]') == \
  "2026-10|$(TZ=Europe/Stockholm date +%Y-%m)|48h" ]] || fail "programs status: $status"

# A draft is simulated beside the applied version, and nothing is written.
sed 's/^  n: 1$/  n: 2/' examples/programs/employee-of-the-month.yaml >"$work/draft.yaml"
sim=$("$plaudit" programs simulate -f "$work/draft.yaml" --period 2026-10)
expect_contains "$sim" "Applied version 1 for 2026-10" "simulate shows the applied version"
expect_contains "$sim" "(they differ)" "two winners per channel differ from one"
[[ $("$plaudit" programs list -o json | json_eval "$(cat)" 'd[0]["version"]') == 1 ]] ||
  fail "simulate must not apply the draft"

explain=$("$plaudit" awards explain employee-of-the-month --period 2026-10 --agent a002) ||
  fail "awards explain"
expect_contains "$explain" "to win" "awards explain prints a to-win line per metric"

# The live leaderboard of the open period writes nothing.
board=$("$plaudit" leaderboard employee-of-the-month)
expect_contains "$board" "Live standings of employee-of-the-month for $(TZ=Europe/Stockholm date +%Y-%m)" \
  "leaderboard heading"
[[ $("$plaudit" awards list --period "$(TZ=Europe/Stockholm date +%Y-%m)" -o json | json_eval "$(cat)" 'len(d)') == 0 ]] ||
  fail "the leaderboard must not decide anything"

# Peer praise: stored, in the feed, and counted as the metric praise_received.
out=$(as_user a001 agent "$plaudit" praise send --from a001 --to a002 --message "Took my escalations" --value teamwork)
expect_contains "$out" "a001 praised a002" "praise send"
if as_user a003 agent "$plaudit" praise send --to a003 --message "me" 2>"$work/self.err"; then
  fail "self-praise must be refused"
fi
expect_contains "$(cat "$work/self.err")" "nobody can praise themselves" "self-praise error"
feed=$("$plaudit" praise feed --agent a002 -o json)
[[ $(json_eval "$feed" 'd[0]["message"] + "|" + d[0]["value"]') == "Took my escalations|teamwork" ]] ||
  fail "praise feed: $feed"
month=$(date -u +%Y-%m)
expect_contains "$("$plaudit" metrics summary --period "$month" --agent a002 -o csv)" \
  "a002,praise_received,1," "praise counts as praise_received"

# Approvals and a fixed budget of 16 h: three proposed day-off awards, room for two.
"$plaudit" programs apply -f examples/programs/csat-leave-day.yaml >/dev/null
decided=$("$plaudit" awards evaluate csat-leave-day --period 2026-10 -o json)
[[ $(json_eval "$decided" '",".join(a["state"] for a in d["awards"])') == "proposed,proposed,proposed" ]] ||
  fail "approval: manager must leave awards proposed: $decided"
ids=($(json_eval "$decided" '" ".join(a["id"] for a in d["awards"])'))
winner=$(json_eval "$decided" 'd["awards"][0]["agent_id"]')
# An agent approves nothing, least of all their own award.
if as_user "$winner" agent "$plaudit" awards approve "${ids[0]}" 2>"$work/self.err"; then
  fail "an agent approves no award"
fi
expect_contains "$(cat "$work/self.err")" "(roles: agent) may not call plaudit.v1.AwardService/ApproveAward" \
  "an agent's approval error"
out=$(as_user team-lead manager "$plaudit" awards approve "${ids[0]}" --reason "top CSAT")
expect_contains "$out" "is approved (approved by team-lead: top CSAT)" "approve"
"$plaudit" awards approve "${ids[1]}" >/dev/null
set +e
as_user team-lead manager "$plaudit" awards approve "${ids[2]}" >"$work/over.out" 2>"$work/over.err"
rc=$?
set -e
[[ $rc -eq 3 ]] || fail "an approval left over budget must exit 3, not $rc"
[[ $(cat "$work/over.err") == "plaudit: award ${ids[2]} is over budget: fixed budget has 0 h left, the award is 8 h" ]] ||
  fail "over budget must say why: $(cat "$work/over.err")"
[[ $("$plaudit" awards list --program csat-leave-day -o json |
  json_eval "$(cat)" "[a['state'] for a in d if a['id'] == '${ids[2]}'][0]") == over_budget ]] ||
  fail "the third day off does not fit 16 h"
budget=$("$plaudit" budgets show csat-leave-day --period 2026-10)
expect_contains "$budget" "amount     16 h" "budgets show amount"
expect_contains "$budget" "remaining  0 h" "budgets show remaining"
expect_contains "$budget" "1 award(s) over budget" "budgets show over budget"
# The approved awards are fulfilled; each step is in the award's history.
for _ in $(seq 1 100); do
  [[ $("$plaudit" awards history "${ids[0]}" -o json | json_eval "$(cat)" 'd["award"]["state"]') == fulfilled ]] && break
  sleep 0.1
done
history=$("$plaudit" awards history "${ids[0]}" -o csv)
expect_contains "$history" ",proposed,approved,team-lead,approved by team-lead: top CSAT" "history approval"
expect_contains "$history" ",fulfilling,fulfilled,plauditd,every reward fulfilled" "history fulfilment"
if as_user team-lead manager "$plaudit" awards reject "${ids[0]}" 2>"$work/late.err"; then
  fail "a fulfilled award cannot be rejected"
fi
expect_contains "$(cat "$work/late.err")" "is fulfilled; only proposed, held or over_budget" "late reject"
json_eval "$("$plaudit" budgets show csat-leave-day --period 2026-10 -o json)" \
  'round(d["reserved"] + d["settled"], 6)' | grep -qx "16" || fail "budget must hold 16 h"

# In-kind and parking rewards: a team lunch is a task someone completes; the best agent parks in
# the VIP spot the month after.
cat >"$work/team-lunch.yaml" <<'YAML'
id: team-lunch
name: Team Lunch
time_zone: Europe/Stockholm
scope: team
scorecard:
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: top_n
  n: 1
  rewards_to: team
  rewards:
    - {type: manual, item: team lunch}
YAML
cat >"$work/vip-parking.yaml" <<'YAML'
id: vip-parking
name: VIP Parking
time_zone: Europe/Stockholm
scorecard:
  metrics:
    - {metric: csat, aggregation: mean, min_samples: 20}
award:
  rule: top_n
  n: 1
  rewards:
    - {type: parking, prefer: vip}
YAML
"$plaudit" programs apply -f "$work/team-lunch.yaml" >/dev/null
"$plaudit" programs apply -f "$work/vip-parking.yaml" >/dev/null
lunch=$("$plaudit" awards evaluate team-lunch --period 2026-10 -o json)
lunch_id=$(json_eval "$lunch" 'd["awards"][0]["id"]')
task=""
for _ in $(seq 1 100); do
  task=$("$plaudit" fulfilments list --award "$lunch_id" -o json | json_eval "$(cat)" \
    '(d[0]["id"] + " " + d[0]["state"]) if d and d[0]["attempts"] >= 0 and d[0]["error"] else ""')
  [[ $task == *pending ]] && break
  sleep 0.1
done
[[ $task == *pending ]] || fail "the team lunch must wait as a task: $task"
task_id=${task% *}
expect_contains "$("$plaudit" tasks list)" "team lunch" "tasks list"
# A task is its assignee role's: hr may not complete facilities' task.
if as_user hr-lead hr "$plaudit" fulfilments complete "$task_id" --note "Lunch" 2>"$work/complete.err"; then
  fail "another task role must not complete the task"
fi
expect_contains "$(cat "$work/complete.err")" "is for facilities, not for hr-lead" \
  "complete by another task role"
out=$(as_user facilities-lead facilities "$plaudit" fulfilments complete "$task_id" --note "Lunch at Luigi's")
expect_contains "$out" "completed" "fulfilments complete"
for _ in $(seq 1 100); do
  [[ $("$plaudit" fulfilments show "$task_id" -o json | json_eval "$(cat)" 'd["fulfilment"]["state"]') == fulfilled ]] && break
  sleep 0.1
done
shown=$("$plaudit" fulfilments show "$task_id" -o csv)
expect_contains "$shown" ",fulfil,pending,plauditd," "show: the task was opened"
expect_contains "$shown" ",complete,completed,facilities-lead,Lunch at Luigi's" "show: completed"
expect_contains "$shown" ",lookup,fulfilled,plauditd," "show: looked up at once"
parker=$("$plaudit" awards evaluate vip-parking --period 2026-10 -o json | json_eval "$(cat)" 'd["awards"][0]["agent_id"]')
for _ in $(seq 1 100); do
  calendar=$("$plaudit" parking calendar --month 2026-11 -o csv)
  [[ $calendar == *"($parker)"* ]] && break
  sleep 0.1
done
expect_contains "$calendar" "P1,\"vip,near_entrance\",2026-11-01,2026-11-30" "VIP spot booked for November"
expect_contains "$calendar" "($parker)" "parking calendar names the winner"

# A team award to its members is one line, its rewards once with the member count.
"$plaudit" programs apply -f examples/programs/team-of-the-month.yaml >/dev/null
teams=$("$plaudit" awards evaluate team-of-the-month --period 2026-10 --dry-run -o json)
team=$(json_eval "$teams" 'd["awards"][0]["team"]')
members=$(json_eval "$teams" '[len(s["members"]) for s in d["standings"] if s["team"] == d["awards"][0]["team"]][0]')
[[ $(json_eval "$teams" 'len(d["awards"][0]["rewards"])') -ge 2 ]] || fail "team award: one reward per member expected in JSON"
board=$("$plaudit" awards evaluate team-of-the-month --period 2026-10 --dry-run)
award_lines=$(sed -n '/^Awards:/,$p' <<<"$board" | grep -c "team:$team") || true
[[ $award_lines -eq 1 ]] || fail "a team award must be one line: $board"
expect_contains "$board" "certificate (each of $members members)" "team award rewards grouped"

# Plugin answers in JSON: an array of objects, numbers as numbers.
balances=$("$plaudit" leave balances -o json)
[[ $(json_eval "$balances" 'type(d) is list and all(type(r) is dict for r in d)') == True ]] ||
  fail "leave balances JSON must be an array of objects: $balances"
[[ $(json_eval "$balances" 'len(d) > 0 and all(isinstance(r["hours_available"], (int, float)) and isinstance(r["grants"], int) for r in d)') == True ]] ||
  fail "leave balances must carry numbers: $balances"
[[ $("$plaudit" parking calendar --month 2026-11 -o json | json_eval "$(cat)" 'type(d).__name__ + ":" + type(d[0]).__name__') == "list:dict" ]] ||
  fail "parking calendar JSON must be an array of objects"

# Times: UTC RFC 3339 by default, the zone's offset with --time-zone.
[[ $("$plaudit" awards history "${ids[0]}" -o json | json_eval "$(cat)" 'd["transitions"][0]["at"][-1]') == Z ]] ||
  fail "times are UTC by default"
[[ $("$plaudit" --time-zone Asia/Kolkata awards history "${ids[0]}" -o json | json_eval "$(cat)" 'd["transitions"][0]["at"][-6:]') == "+05:30" ]] ||
  fail "--time-zone shows the zone's offset"

# Errors: one line on stderr and a non-zero exit.
if "$plaudit" awards list --program nope 2>"$work/list-nf.err"; then
  fail "awards list of an unknown program must fail"
fi
[[ $(cat "$work/list-nf.err") == 'plaudit: program_id: program "nope" not found' ]] ||
  fail "awards list of an unknown program: $(cat "$work/list-nf.err")"
[[ $("$plaudit" --version) == "plaudit "[0-9]* ]] || fail "--version"
if env -u PLAUDIT_CA_FILE "$plaudit" --server nohost.invalid agents list 2>"$work/nohost.err"; then fail "unknown host must fail"; fi
[[ $(cat "$work/nohost.err") == "plaudit: cannot reach plauditd at nohost.invalid:50051: host not found" ]] ||
  fail "unknown host: $(cat "$work/nohost.err")"
if "$plaudit" awards evaluate no-such-program --period 2026-10 2>"$work/nf.err"; then
  fail "unknown program must fail"
fi
expect_contains "$(cat "$work/nf.err")" "not found" "not found error"
stop_server
if "$plaudit" agents list 2>"$work/down.err"; then fail "server down must fail"; fi
[[ $(wc -l <"$work/down.err") -eq 1 ]] || fail "server-down error must be one line"
expect_contains "$(cat "$work/down.err")" "connection refused" "server down says the connection was refused"

echo "cli_e2e: 1 passed, 0 failed"
