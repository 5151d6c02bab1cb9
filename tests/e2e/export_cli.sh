#!/usr/bin/env bash
# Exports through the real CLI and plauditd over TLS with tokens: every dataset as CSV and NDJSON
# with the documented columns; filters; each role's reach (an agent their own rows, a manager
# their teams'); an export killed part-way resumed to exactly the rows of an uninterrupted one;
# a praise message that looks like a formula defused in CSV; and every export in the audit trail.
source "$(dirname "$0")/lib.sh"
cd "$src"

data=$work/data
start_secure_server "$data"
"$plaudit" agents import examples/agents.csv >/dev/null
# Enough events that a one-row-a-batch export is still running when it is killed.
python3 - "$work/events.csv" <<'PY'
import sys
agents = [f"a{n:03d}" for n in range(1, 61)]
with open(sys.argv[1], "w") as f:
    f.write("event_id,agent_id,metric,value,occurred_at\n")
    for n in range(30000):
        day, second = 1 + n % 31, n % 86400
        f.write(f"x-{n:06d},{agents[n % 60]},csat,{1 + n % 5},2026-10-{day:02d}T"
                f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z\n")
PY
"$plaudit" metrics import "$work/events.csv" >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
"$plaudit" programs apply -f examples/programs/employee-of-the-month.yaml >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
as_user a002 agent "$plaudit" praise send --to a001 --message '=HYPERLINK("http://x.example","win")' >/dev/null
# The praise is an event too (praise_received).
events=$(( 30000 + $(grep -c . examples/events-2026-10.csv) - 1 + 1 ))

# Events, CSV: the header, one line per event, UTC times.
"$plaudit" export events -o "$work/events-all.csv" 2>"$work/export.err"
expect_contains "$(cat "$work/export.err")" "exported $events rows of events to $work/events-all.csv" "summary line"
[[ $(head -1 "$work/events-all.csv") == "event_id,agent_id,metric,value,occurred_at" ]] ||
  fail "events header: $(head -1 "$work/events-all.csv")"
[[ $(($(wc -l <"$work/events-all.csv") - 1)) -eq $events ]] || fail "one line per event"
grep -q '^x-000001,a002,csat,2,2026-10-02T00:00:01Z$' "$work/events-all.csv" || fail "an event line in UTC"
# e-2026-10-000001 happened at 23:30 on 30 September in +02:00.
grep -q '^e-2026-10-000001,a015,csat,2,2026-09-30T21:30:00Z$' "$work/events-all.csv" ||
  fail "a time given with an offset is exported in UTC"
[[ ! -e $work/events-all.csv.export-state ]] || fail "a finished export leaves no state file"
sorted=$(tail -n +2 "$work/events-all.csv" | cut -d, -f5 | sort -c && echo sorted)
[[ $sorted == sorted ]] || fail "events come in time order"

# NDJSON: one object per event, the same values.
"$plaudit" export events --format ndjson --agent a002 >"$work/a002.ndjson"
[[ $(wc -l <"$work/a002.ndjson") -eq $(grep -c '^[^,]*,a002,' "$work/events-all.csv") ]] ||
  fail "--agent keeps that agent's events"
line=$(grep '"x-000001"' "$work/a002.ndjson")
[[ $(json_eval "$line" 'd["value"]') == 2.0 && $(json_eval "$line" 'd["occurred_at"]') == 2026-10-02T00:00:01Z ]] ||
  fail "an NDJSON event: $line"

# A program's period is its time range for events; a time range narrows too.
"$plaudit" export events --program employee-of-the-month --period 2026-10 -o "$work/oct.csv" 2>/dev/null
grep -q '2026-09-30T21:30:00Z' "$work/oct.csv" && fail "an event of September (UTC) is outside the period"
"$plaudit" export events --from 2026-10-05T00:00:00Z --to 2026-10-06T00:00:00Z -o "$work/day.csv" 2>/dev/null
[[ $(tail -n +2 "$work/day.csv" | cut -d, -f5 | cut -c1-10 | sort -u) == 2026-10-05 ]] || fail "--from/--to"

# Killed part-way, the export resumes to exactly the rows of the uninterrupted one.
"$plaudit" export events --batch-size 1 -o "$work/resumed.csv" 2>/dev/null &
export_pid=$!
for _ in $(seq 1 200); do [[ -e $work/resumed.csv.export-state ]] && break; sleep 0.05; done
kill -KILL "$export_pid" 2>/dev/null || fail "the export finished before it could be interrupted"
wait "$export_pid" 2>/dev/null || true
[[ -e $work/resumed.csv.export-state ]] || fail "an interrupted export keeps its state"
[[ $(run_plaudit "$work/out" export events -o "$work/resumed.csv" --resume --agent a001) -eq 1 ]] ||
  fail "resuming with other filters is refused"
expect_contains "$(cat "$work/out")" "with other options" "resume with other filters"
# The rest in whole batches: the cursor, not the batch size, says where to go on.
"$plaudit" export events -o "$work/resumed.csv" --resume 2>/dev/null
cmp -s "$work/events-all.csv" "$work/resumed.csv" || fail "the resumed export differs from a whole one"
[[ $(run_plaudit "$work/out" export events -o "$work/resumed.csv" --resume) -eq 1 ]] ||
  fail "nothing to resume after it finished"
expect_contains "$(cat "$work/out")" "nothing to resume" "resume after the end"
[[ $(run_plaudit "$work/out" export events --resume) -eq 2 ]] || fail "--resume needs -o"

# Agents, standings, awards, fulfilments, the budget ledger, praise, audit: their headers.
expect_header() {
  local dataset=$1 header=$2
  shift 2
  "$plaudit" export "$dataset" "$@" -o "$work/$dataset.csv" 2>/dev/null
  [[ $(head -1 "$work/$dataset.csv") == "$header" ]] ||
    fail "$dataset header: $(head -1 "$work/$dataset.csv")"
}
expect_header agents "agent_id,display_name,email,team,channel,hire_date,active,locale,public_praise"
[[ $(($(wc -l <"$work/agents.csv") - 1)) -eq 60 ]] || fail "60 agents"
expect_header standings "program_id,period,position,competitor,peer_group,eligible,rank,score,reasons,members,program_version,decided_at,metric,metric_value,metric_samples,metric_normalized" \
  --program employee-of-the-month --period 2026-10
grep -q '^employee-of-the-month,2026-10,0,' "$work/standings.csv" || fail "the first standing"
expect_header awards "award_id,program_id,period,agent_id,team,rank,tier,state,state_reason,value,unit,currency,program_version,decided_at,approvals,transition_seq,transition_from,transition_to,transition_actor,transition_reason,transition_at"
[[ $(tail -n +2 "$work/awards.csv" | cut -d, -f1 | sort -u | wc -l) -ge 1 ]] || fail "an award"
expect_header fulfilments "fulfilment_id,award_id,program_id,period,agent_id,type,state,attempts,error,params,idempotency_key,decided_at,updated_at,value,unit,currency,face_value,redeemed_at,attempt_seq,attempt_kind,attempt_started_at,attempt_finished_at,attempt_outcome,attempt_error,attempt_actor"
grep -q ',leave_credit,' "$work/fulfilments.csv" || fail "a leave credit reward"
grep -q 'hours=8' "$work/fulfilments.csv" || fail "a reward's params"
expect_header budget-ledger "program_id,period,award_id,agent_id,team,amount,unit,currency,state,budget,budget_mode"
expect_header praise "praise_id,from_agent_id,to_agent_id,message,value,sent_at"
grep -q ",a002,a001,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"win\"\")\",," "$work/praise.csv" ||
  fail "a formula-like message is written with a leading apostrophe: $(cat "$work/praise.csv")"
"$plaudit" export praise --format ndjson >"$work/praise.ndjson"
[[ $(json_eval "$(cat "$work/praise.ndjson")" 'd["message"]') == '=HYPERLINK("http://x.example","win")' ]] ||
  fail "NDJSON keeps the message as it is"
"$plaudit" export awards --format ndjson >"$work/awards.ndjson"
[[ $(json_eval "$(head -1 "$work/awards.ndjson")" 'd["transitions"][0]["to"]') != "" ]] ||
  fail "an award's transitions in NDJSON"

# Standings need their period; a filter a dataset is not narrowed by is refused by name.
[[ $(run_plaudit "$work/out" export standings --program employee-of-the-month) -eq 1 ]] ||
  fail "standings without a period"
expect_contains "$(cat "$work/out")" "period: required" "standings without a period"
[[ $(run_plaudit "$work/out" export agents --program employee-of-the-month) -eq 1 ]] ||
  fail "agents by program"
expect_contains "$(cat "$work/out")" "program_id: the agents export is not narrowed by program_id" "agents by program"
[[ $(run_plaudit "$work/out" export awards --program nope) -eq 1 ]] || fail "an unknown program"
expect_contains "$(cat "$work/out")" 'program "nope" not found' "unknown program"

# Reach: an agent exports their own rows only; a manager their teams'.
as_user a001 agent "$plaudit" export events -o "$work/own.csv" 2>/dev/null
[[ $(tail -n +2 "$work/own.csv" | cut -d, -f2 | sort -u) == a001 ]] || fail "an agent exports only their events"
as_user a001 agent "$plaudit" export praise -o "$work/own-praise.csv" 2>/dev/null
[[ $(($(wc -l <"$work/own-praise.csv") - 1)) -eq 1 ]] || fail "an agent exports praise they received"
[[ $(as_user a001 agent "$plaudit" export events --agent a002 >"$work/out" 2>&1; echo $?) -eq 1 ]] ||
  fail "an agent may not export another agent's events"
expect_contains "$(cat "$work/out")" "may export only their own data" "agent reach"
[[ $(as_user a001 agent "$plaudit" export audit >"$work/out" 2>&1; echo $?) -eq 1 ]] ||
  fail "an agent may not export the audit trail"
expect_contains "$(cat "$work/out")" "may not call plaudit.v1.ExportService/ExportAudit" "audit export refused"
team=$(sed -n 2p examples/agents.csv | cut -d, -f4)
PLAUDIT_TOKEN=$(mint_token lead manager "$team") "$plaudit" export agents -o "$work/team.csv" 2>/dev/null
[[ $(tail -n +2 "$work/team.csv" | cut -d, -f4 | sort -u) == "$team" ]] || fail "a manager exports their team's agents"
# A team program's standings: the manager's team's own standing.
"$plaudit" programs apply -f examples/programs/team-of-the-month.yaml >/dev/null
"$plaudit" awards evaluate team-of-the-month --period 2026-10 >/dev/null
PLAUDIT_TOKEN=$(mint_token lead manager "$team") "$plaudit" export standings --program team-of-the-month \
  --period 2026-10 -o "$work/team-standings.csv" 2>/dev/null
[[ $(tail -n +2 "$work/team-standings.csv" | cut -d, -f4 | sort -u) == "$team" ]] ||
  fail "a manager exports their team's standing: $(cat "$work/team-standings.csv")"
[[ $(PLAUDIT_TOKEN=$(mint_token lead manager "$team") "$plaudit" export agents --team "Sales Desk" >"$work/out" 2>&1; echo $?) -eq 1 ]] ||
  fail "a manager may not export another team"
expect_contains "$(cat "$work/out")" "may export only their teams" "manager reach"

# Every export is in the audit trail, with what it read.
"$plaudit" export audit -o "$work/audit.csv" 2>/dev/null
grep -q 'plaudit.v1.ExportService/ExportEvents,exports/events agent=a002,OK' "$work/audit.csv" ||
  fail "an export's audit record"
grep -q 'ExportEvents,exports/events agent=a002,"PERMISSION_DENIED' "$work/audit.csv" ||
  fail "a refused export's audit record: $(grep ExportEvents "$work/audit.csv")"
# Values as their shortest text: whole numbers plainly up to the sizes where the exponent form is
# shorter, fractions as they read back; NDJSON gives each a fraction or an exponent.
printf '%s\n' "event_id,agent_id,metric,value,occurred_at" \
  "v-1,a001,sales_value,99999,2026-11-02T00:00:01Z" "v-2,a001,sales_value,100000,2026-11-02T00:00:02Z" \
  "v-3,a001,sales_value,42,2026-11-02T00:00:03Z" "v-4,a001,sales_value,0.25,2026-11-02T00:00:04Z" \
  "v-5,a001,sales_value,123456,2026-11-02T00:00:05Z" "v-6,a001,sales_value,1000000,2026-11-02T00:00:06Z" \
  "v-7,a001,sales_value,338.7,2026-11-02T00:00:07Z" >"$work/values.csv"
"$plaudit" metrics import "$work/values.csv" >"$work/out" 2>&1 || fail "import values: $(cat "$work/out")"
"$plaudit" export events --from 2026-11-02T00:00:00Z --to 2026-11-03T00:00:00Z -o "$work/values-out.csv" 2>/dev/null
[[ $(tail -n +2 "$work/values-out.csv" | cut -d, -f4 | paste -sd' ') == "99999 1e+05 42 0.25 123456 1e+06 338.7" ]] ||
  fail "values in CSV: $(cut -d, -f4 "$work/values-out.csv" | paste -sd' ')"
"$plaudit" export events --format ndjson --from 2026-11-02T00:00:00Z --to 2026-11-03T00:00:00Z >"$work/values.ndjson"
[[ $(grep -o '"value":[^,]*' "$work/values.ndjson" | cut -d: -f2 | paste -sd' ') == "99999.0 1e+05 42.0 0.25 123456.0 1e+06 338.7" ]] ||
  fail "values in NDJSON: $(grep -o '"value":[^,]*' "$work/values.ndjson" | paste -sd' ')"
stop_server
echo "export_cli: ok"
