#!/usr/bin/env bash
# Corrections through the real CLI and plauditd: retracting events, disabling a program and
# deactivating an agent need an admin and a reason, are listed with who and why, and never change
# a committed award by themselves (restating shows the effect).
source "$(dirname "$0")/lib.sh"

cat >"$work/plauditd.yaml" <<'YAML'
roles: {team-lead: manager, ops-lead: admin}
YAML
PLAUDITD_CONFIG="$work/plauditd.yaml" start_server "$work/data"

cat >"$work/agents.csv" <<'CSV'
id,display_name,email,team,channel,hire_date,status
a001,Ana,ana@example.com,red,phone,2020-01-01,active
a002,Bo,bo@example.com,red,phone,2020-01-01,active
CSV
cat >"$work/events.csv" <<'CSV'
event_id,agent_id,metric,value,occurred_at
s1,a001,csat,5,2026-10-05T10:00:00Z
s2,a002,csat,4,2026-10-05T10:00:00Z
s3,a002,csat,4,2026-09-05T10:00:00Z
CSV
cat >"$work/best-survey.yaml" <<'YAML'
id: best-survey
name: Best Survey
time_zone: UTC
scorecard:
  normalization: none
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: top_n
  n: 1
  rewards:
    - type: certificate
YAML
"$plaudit" agents import "$work/agents.csv" >/dev/null
"$plaudit" metrics import "$work/events.csv" >/dev/null
"$plaudit" programs apply -f "$work/best-survey.yaml" >/dev/null
decided=$("$plaudit" awards evaluate best-survey --period 2026-10 -o json)
[[ $(json_eval "$decided" 'd["awards"][0]["agent_id"]') == a001 ]] || fail "a001 wins October"

# Who may correct: no agent, no manager, and never without a reason.
set +e
out=$("$plaudit" --as a001 metrics retract s1 --reason "survey sent twice" 2>&1)
[[ $? -ne 0 ]] || fail "an agent's retraction must fail"
expect_contains "$out" "a001 (roles: agent) may not call" "agent's retraction"
out=$("$plaudit" --as team-lead metrics retract s1 --reason "survey sent twice" 2>&1)
[[ $? -ne 0 ]] || fail "a manager's retraction must fail"
expect_contains "$out" "team-lead (roles: manager) may not call" "manager's retraction"
out=$("$plaudit" --as ops-lead metrics retract s1 2>&1)
[[ $? -ne 0 ]] || fail "a retraction without a reason must fail"
expect_contains "$out" "--reason is required" "retraction without a reason"
set -e

out=$("$plaudit" --as ops-lead metrics retract s1 --reason "survey sent twice")
expect_contains "$out" "retracted 1" "retract"
set +e
out=$("$plaudit" --as ops-lead metrics retract s1 nope --reason "again" 2>&1)
[[ $? -eq 1 ]] || fail "retracting what is not stored must exit 1"
set -e
expect_contains "$out" "event nope: not stored" "retract unknown"

# The retracted id stays taken: importing the file again does not bring it back.
set +e
out=$("$plaudit" metrics import "$work/events.csv" 2>&1)
set -e
expect_contains "$out" "event_id \"s1\" was retracted" "re-import of a retracted event"
expect_contains "$out" "imported 0, duplicates 2, rejected 1" "re-import counts"

# The committed award stands; restating shows what the correction would change.
[[ $("$plaudit" awards list --program best-survey -o json | json_eval "$(cat)" 'd[0]["agent_id"]') == a001 ]] ||
  fail "the committed award must not change by itself"
restated=$("$plaudit" awards evaluate best-survey --period 2026-10 --restate)
expect_contains "$restated" "a001: awarded then, would not be now" "restate: the award lost"
expect_contains "$restated" "a002: not awarded then, would be now" "restate: the new winner"

corrections=$("$plaudit" corrections list -o json)
[[ $(json_eval "$corrections" 'len(d)') == 1 ]] || fail "one correction: $corrections"
[[ $(json_eval "$corrections" 'd[0]["kind"] + "|" + d[0]["actor"] + "|" + d[0]["reason"]') == \
  "event_retracted|ops-lead|survey sent twice" ]] || fail "correction recorded: $corrections"
expect_contains "$(json_eval "$corrections" 'd[0]["detail"]')" "a001 csat 5 at 2026-10-05T10:00:00Z" \
  "the retracted content is kept"

# A disabled program decides nothing, and its history says who disabled it and why.
out=$("$plaudit" --as ops-lead programs disable best-survey --reason "n set wrongly")
expect_contains "$out" "disabled" "disable"
set +e
out=$("$plaudit" awards evaluate best-survey --period 2026-09 2>&1)
[[ $? -ne 0 ]] || fail "committing a disabled program's period must fail"
set -e
expect_contains "$out" "program best-survey is disabled" "evaluate while disabled"
"$plaudit" awards evaluate best-survey --period 2026-09 --dry-run >/dev/null ||
  fail "a dry run of a disabled program still works"
[[ $("$plaudit" programs status -o json | json_eval "$(cat)" 'd[0]["disabled"]') == True ]] || fail "status shows disabled"
shown=$("$plaudit" programs show best-survey)
expect_contains "$shown" "program best-survey (disabled)" "programs show"
expect_contains "$shown" "program_disabled" "programs show history"
expect_contains "$shown" "n set wrongly" "programs show reason"
expect_contains "$shown" "rule: top_n" "programs show YAML"
"$plaudit" --as ops-lead programs enable best-survey --reason "fixed" >/dev/null
[[ $("$plaudit" programs show best-survey -o json | json_eval "$(cat)" 'd["disabled"]') == False ]] ||
  fail "enabled again"

# A deactivated agent is listed inactive.
"$plaudit" --as ops-lead agents deactivate a002 --reason "left the company" >/dev/null
[[ $("$plaudit" agents list -o json | json_eval "$(cat)" '[a["status"] for a in d if a["id"] == "a002"][0]') == inactive ]] ||
  fail "a002 must be inactive"
set +e
out=$("$plaudit" --as ops-lead agents deactivate nobody --reason "x" 2>&1)
[[ $? -ne 0 ]] || fail "deactivating an unknown agent must fail"
set -e
expect_contains "$out" "agent \"nobody\" not found" "deactivate unknown"
[[ $("$plaudit" corrections list --subject a002 -o json | json_eval "$(cat)" 'd[0]["kind"]') == agent_deactivated ]] ||
  fail "deactivation recorded"

echo "corrections_cli: ok"
