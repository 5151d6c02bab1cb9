#!/usr/bin/env bash
# plaudit metrics import --replace: only an admin with a reason replaces stored events, and
# before any row is stored; a replacement counts at once, survives kill -9, and changes no
# committed award by itself, while awards evaluate --restate shows what it would change.
source "$(dirname "$0")/lib.sh"
cd "$src"

cat >"$work/plauditd.yaml" <<'YAML'
roles: {team-lead: manager, ops-lead: admin}
YAML
export PLAUDITD_CONFIG=$work/plauditd.yaml
start_server "$work/data"

"$plaudit" agents import examples/agents.csv >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
"$plaudit" programs apply -f examples/programs/employee-of-the-month.yaml >/dev/null
first=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 -o json)
winner=$(json_eval "$first" 'd["awards"][0]["agent_id"]')
award_ids=$(json_eval "$first" 'sorted(a["id"] for a in d["awards"])')

# One of the winner's October surveys was in truth three complaints: past the program's gate.
survey=$(awk -F, -v id="$winner" '$2 == id && $3 == "csat" && $5 ~ /^2026-10-1/ { print; exit }' \
  examples/events-2026-10.csv)
[[ -n $survey ]] || fail "no mid-October survey of $winner in the example events"
IFS=, read -r survey_id _ _ survey_value survey_at <<<"$survey"
unchanged=$(sed -n 2p examples/events-2026-10.csv)
fixes=$work/fixes.csv
{
  echo "event_id,agent_id,metric,value,occurred_at"
  echo "$survey_id,$winner,complaints,3,$survey_at"
  echo "$unchanged"
  echo "fix-0001,$winner,calls_handled,1,2026-10-20T10:00:00Z"
} >"$fixes"
summary_of() {
  "$plaudit" metrics summary --period 2026-10 --time-zone Europe/Stockholm --agent "$winner" -o json
}
before=$(summary_of)

# Refused as a whole, each with its reason, before any row is stored.
refused() {
  local expected=$1
  shift
  set +e
  out=$("$plaudit" "$@" 2>"$work/refused.err")
  rc=$?
  set -e
  [[ $rc -eq 1 ]] || fail "$* must exit 1, not $rc"
  [[ -z $out ]] || fail "$*: a refused import reports no counts: $out"
  [[ $(cat "$work/refused.err") == "plaudit: $expected" ]] ||
    fail "$*: expected 'plaudit: $expected', got: $(cat "$work/refused.err")"
}
refused "a001 (roles: agent) may not call plaudit.v1.MetricService/StreamEvents" \
  --as a001 metrics import --replace --reason "survey was a complaint" "$fixes"
refused "team-lead (roles: manager) may not call plaudit.v1.MetricService/StreamEvents" \
  --as team-lead metrics import --replace --reason "survey was a complaint" "$fixes"
refused "reason: required (say why)" --as ops-lead metrics import --replace "$fixes"

# Without --replace nothing changes: the changed row is rejected (exit 1), the new one stored.
set +e
out=$("$plaudit" --as ops-lead metrics import "$fixes" 2>"$work/plain.err")
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "a rejected row must make the import exit 1"
[[ $out == "imported 1, duplicates 1, rejected 1" ]] || fail "plain import: $out"
expect_contains "$(cat "$work/plain.err")" \
  "line 2: event_id \"$survey_id\" is already stored with different content" "plain import"

out=$("$plaudit" --as ops-lead metrics import --replace --reason "survey was a complaint" "$fixes")
[[ $out == "imported 0, replaced 1, duplicates 2, rejected 0" ]] || fail "replace: $out"
after=$(summary_of)
samples() { json_eval "$1" "sum(r['samples'] for r in d if r['metric'] == '$2')"; }
[[ $(samples "$after" csat) -eq $(($(samples "$before" csat) - 1)) ]] ||
  fail "the replaced survey must leave csat: $after"
[[ $(samples "$after" complaints) -eq $(($(samples "$before" complaints) + 1)) ]] ||
  fail "the replacement must count as complaints: $after"

# Recorded as a correction: who, why, and the content before.
corrections=$("$plaudit" corrections list --subject "$survey_id" -o json)
[[ $(json_eval "$corrections" '"|".join(c["kind"] + "," + c["actor"] + "," + c["reason"] for c in d)') == \
  "event_replaced,ops-lead,survey was a complaint" ]] || fail "corrections: $corrections"
[[ $(json_eval "$corrections" 'd[0]["detail"]') == \
  "$winner csat $survey_value at $(date -u -d "$survey_at" +%Y-%m-%dT%H:%M:%SZ)" ]] ||
  fail "the content before is kept: $corrections"

# Acknowledged means committed: after kill -9 the replacement is there, and a second run finds
# every row as it is.
kill9_server
start_server "$work/data"
out=$("$plaudit" --as ops-lead metrics import --replace --reason "survey was a complaint" "$fixes")
[[ $out == "imported 0, replaced 0, duplicates 3, rejected 0" ]] || fail "after kill -9: $out"
[[ $(summary_of) == "$after" ]] || fail "the summary changed across kill -9"

# A retracted event comes back with --replace, recorded as replaced too.
"$plaudit" --as ops-lead metrics retract fix-0001 --reason "not a call" >/dev/null
out=$("$plaudit" --as ops-lead metrics import --replace --reason "a call after all" "$fixes")
[[ $out == "imported 0, replaced 1, duplicates 2, rejected 0" ]] || fail "restore: $out"
corrections=$("$plaudit" corrections list --subject fix-0001 -o json)
[[ $(json_eval "$corrections" '"|".join(c["kind"] + "," + c["detail"] for c in d)') == \
  "event_retracted,$winner calls_handled 1 at 2026-10-20T10:00:00Z|event_replaced,$winner calls_handled 1 at 2026-10-20T10:00:00Z (retracted)" ]] ||
  fail "a restored event's corrections: $corrections"

# The committed decision stands; restating it shows what the replacement would change.
[[ $("$plaudit" awards list --program employee-of-the-month --period 2026-10 -o json |
  json_eval "$(cat)" 'sorted(a["id"] for a in d)') == "$award_ids" ]] ||
  fail "a replacement must not change committed awards"
restated=$("$plaudit" awards evaluate employee-of-the-month --period 2026-10 --restate)
expect_contains "$restated" "$winner: awarded then, would not be now; rank 1 -> ineligible" \
  "restate shows the replacement's effect"
echo "PASS import_replace"
