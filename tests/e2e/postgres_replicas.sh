#!/usr/bin/env bash
# Two plauditd replicas on one PostgreSQL database (store: {driver: postgres}): what one is told,
# the other serves; a period evaluated on both at once is decided once; an award approved through
# one is fulfilled (a certificate) by the fulfilment engines of both, exactly once; a replica
# killed with kill -9 loses nothing acknowledged, and the one left goes on. Uses ctest's test
# cluster (PLAUDIT_TEST_POSTGRES_DIR), or starts one of its own.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_postgres.sh"

replica_b_pid=
drop_schema() {
  local status=$?
  if [[ -n $replica_b_pid ]] && kill -0 "$replica_b_pid" 2>/dev/null; then
    kill -TERM "$replica_b_pid" 2>/dev/null || true
    wait "$replica_b_pid" 2>/dev/null || true
  fi
  close_test_schema
  cleanup "$status"
}
trap drop_schema EXIT
open_test_schema

# Both replicas share the store, the secrets key and the audit key; each has its own data
# directory (its lock, plugin files) and its own audit checkpoint.
for replica in a b; do
  cat >"$work/$replica.yaml" <<YAML
roles: {ops-lead: admin, team-lead: manager}
secrets: {key_file: $work/secrets.key}
audit: {key_file: $work/audit.key, checkpoint_file: $work/$replica.checkpoint}
store: {driver: postgres, dsn: "$dsn", pool_size: 4}
plugins:
  certificate: {output_dir: $work/certificates}
YAML
done
PLAUDITD_CONFIG="$work/a.yaml" start_server "$work/a"
server_a=$PLAUDIT_SERVER
port_b=$(pick_port)
server_b=127.0.0.1:$port_b
"$plauditd" --listen "$server_b" --data-dir "$work/b" --plugin-dir "$build/plugins" \
  --config "$work/b.yaml" >>"$work/plauditd-b.log" 2>&1 &
replica_b_pid=$!
for _ in $(seq 1 600); do
  PLAUDIT_SERVER=$server_b "$plaudit" plugins list >/dev/null 2>&1 && break
  kill -0 "$replica_b_pid" 2>/dev/null || fail "replica b exited at start: $(tail -5 "$work/plauditd-b.log")"
  sleep 0.1
done
on_a() { PLAUDIT_SERVER=$server_a "$plaudit" "$@"; }
on_b() { PLAUDIT_SERVER=$server_b "$plaudit" "$@"; }

cat >"$work/agents.csv" <<'CSV'
id,display_name,email,team,channel,hire_date,status
a001,Ana,ana@example.com,red,phone,2020-01-01,active
a002,Bo,bo@example.com,red,phone,2020-01-01,active
a003,Cy,cy@example.com,blue,phone,2020-01-01,active
CSV
cat >"$work/events.csv" <<'CSV'
event_id,agent_id,metric,value,occurred_at
s1,a001,csat,5,2026-10-05T10:00:00Z
s2,a002,csat,4,2026-10-05T10:00:00Z
s3,a003,csat,3,2026-10-06T10:00:00Z
s4,a001,csat,5,2026-10-07T10:00:00Z
CSV
cat >"$work/best-survey.yaml" <<'YAML'
id: best-survey
name: Best Survey
time_zone: UTC
approval: manager
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
on_a agents import "$work/agents.csv" >/dev/null
on_a metrics import "$work/events.csv" >/dev/null
on_a programs apply -f "$work/best-survey.yaml" >/dev/null

# What A was told, B serves.
expect_contains "$(on_b agents list)" "a003" "replica b lists the agents imported through a"
dry=$(on_b awards evaluate best-survey --period 2026-10 --dry-run -o json)
[[ $(json_eval "$dry" 'd["standings"][0]["agent_id"]') == a001 ]] || fail "b ranks a001 first: $dry"

# Both evaluate October at once: one decision.
on_a awards evaluate best-survey --period 2026-10 -o json >"$work/eval-a.json" &
eval_a=$!
on_b awards evaluate best-survey --period 2026-10 -o json >"$work/eval-b.json"
wait "$eval_a" || fail "evaluating on a failed"
award_a=$(json_eval "$(cat "$work/eval-a.json")" 'd["awards"][0]["id"]')
award_b=$(json_eval "$(cat "$work/eval-b.json")" 'd["awards"][0]["id"]')
[[ $award_a == "$award_b" && -n $award_a ]] || fail "one decision: a says $award_a, b says $award_b"
count=$(psql "$dsn" -Atc "SELECT COUNT(*) FROM awards")
[[ $count == 1 ]] || fail "one award stored, not $count"

# Approved through B, fulfilled by the engines of both replicas: one certificate.
on_b --as team-lead awards approve "$award_a" >/dev/null
for _ in $(seq 1 300); do
  state=$(psql "$dsn" -Atc "SELECT state FROM fulfilments")
  [[ $state == fulfilled ]] && break
  sleep 0.1
done
[[ $state == fulfilled ]] || fail "the certificate was not fulfilled (state: $state)"
attempts=$(psql "$dsn" -Atc "SELECT COUNT(*) FROM fulfilment_attempts WHERE kind = 'fulfil'")
[[ $attempts == 1 ]] || fail "one call for the certificate, not $attempts"
expect_contains "$(on_a awards list --program best-survey -o json)" '"fulfilled"' "a sees the award fulfilled"

# kill -9 of A: what it acknowledged is there, and B goes on alone.
cat >"$work/more.csv" <<'CSV'
event_id,agent_id,metric,value,occurred_at
n1,a003,csat,5,2026-11-02T10:00:00Z
n2,a003,csat,5,2026-11-03T10:00:00Z
CSV
on_a metrics import "$work/more.csv" >/dev/null
kill9_server
[[ $(psql "$dsn" -Atc "SELECT COUNT(*) FROM events") == 6 ]] || fail "the events a acknowledged"
november=$(on_b awards evaluate best-survey --period 2026-11 -o json)
[[ $(json_eval "$november" 'd["awards"][0]["agent_id"]') == a003 ]] || fail "b decides November: $november"
echo "postgres_replicas: ok"
