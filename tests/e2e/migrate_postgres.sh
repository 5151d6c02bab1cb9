#!/usr/bin/env bash
# plaudit admin migrate: a centre on the embedded store (agents, a month of events, a decided
# period with fulfilled rewards, plugin state, praise, the audit trail) is copied into PostgreSQL
# while its plauditd runs; plauditd then serves the same answers from PostgreSQL, the audit trail
# still verifies, and new work goes on there. A second copy into the same database is refused,
# as are a wrong secrets key and malformed arguments, each leaving the target as it was. Uses
# ctest's test cluster (PLAUDIT_TEST_POSTGRES_DIR), or starts one of its own.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_postgres.sh"
cd "$src"
trap 'status=$?; close_test_schema; cleanup $status' EXIT
open_test_schema

data=$work/data
cat >"$work/sqlite.yaml" <<YAML
roles: {ops-lead: admin, team-lead: manager}
audit: {key_file: $work/audit.key, checkpoint_file: $work/sqlite.checkpoint}
YAML
PLAUDITD_CONFIG=$work/sqlite.yaml start_server "$data"
"$plaudit" agents import examples/agents.csv >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
"$plaudit" programs apply -f examples/programs/employee-of-the-month.yaml >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
for _ in $(seq 1 300); do
  states=$("$plaudit" fulfilments list -o json | json_eval "$(cat)" 'sorted(set(f["state"] for f in d))')
  [[ $states == "['fulfilled']" ]] && break
  sleep 0.1
done
[[ $states == "['fulfilled']" ]] || fail "the rewards were not fulfilled on SQLite: $states"
"$plaudit" --as a001 praise send --to a002 --message "Thanks for covering my shift" >/dev/null
# What plauditd answers on SQLite, to compare with PostgreSQL's answers after the copy.
snapshot() {
  "$plaudit" agents list -o json >"$1.agents"
  "$plaudit" awards list --program employee-of-the-month -o json >"$1.awards"
  "$plaudit" fulfilments list -o json >"$1.fulfilments"
  "$plaudit" leave balances -o json >"$1.leave"
  # A dry run is decided now: its time is left out.
  "$plaudit" awards evaluate employee-of-the-month --period 2026-10 --dry-run -o json |
    grep -v '"decided_at"' >"$1.standings"
  "$plaudit" export events --format csv >"$1.events"
}
snapshot "$work/before"

# Refused before anything is copied: malformed arguments (exit 2), a wrong key (exit 1).
out=$("$plaudit" admin migrate --from "$data" --to "postgres:$dsn" 2>&1) && fail "a --from without sqlite: was accepted"
expect_contains "$out" 'expected sqlite:PATH' "--from without its scheme"
head -c 32 /dev/urandom >"$work/other.key" && chmod 600 "$work/other.key"
out=$("$plaudit" admin migrate --from "sqlite:$data" --to "postgres:$dsn" \
  --secrets-key-file "$work/other.key" 2>&1) && fail "a wrong secrets key was accepted"
expect_contains "$out" "sealed under another secrets key" "a wrong secrets key"

# The copy, while plauditd still runs on the source.
out=$("$plaudit" admin migrate --from "sqlite:$data" --to "postgres:$dsn") || fail "migrate failed: $out"
# The month's events and the praise's praise_received event.
expect_contains "$out" "events: 17352 rows" "events copied"
expect_contains "$out" "on both sides" "counts and checksums compared"
[[ $(sql "SELECT COUNT(*) FROM events") == 17352 ]] || fail "events in PostgreSQL"
[[ $(sql "SELECT COUNT(*) FROM plugin_state") -ge 1 ]] || fail "plugin state copied"
# A second copy into the now non-empty database is refused and changes nothing.
out=$("$plaudit" admin migrate --from "sqlite:$data" --to "postgres:$dsn" 2>&1) && fail "a second copy was accepted"
expect_contains "$out" "the target database is not empty" "a non-empty target"
[[ $(sql "SELECT COUNT(*) FROM events") == 17352 ]] || fail "the refused copy changed the target"
stop_server

# plauditd on PostgreSQL, with the source's secrets key and audit key: the same answers.
cat >"$work/postgres.yaml" <<YAML
roles: {ops-lead: admin, team-lead: manager}
secrets: {key_file: $data/secrets.key}
audit: {key_file: $work/audit.key, checkpoint_file: $work/sqlite.checkpoint}
store: {driver: postgres, dsn: "$dsn"}
YAML
PLAUDITD_CONFIG=$work/postgres.yaml start_server "$work/pgdata"
snapshot "$work/after"
for part in agents awards fulfilments leave standings events; do
  cmp -s "$work/before.$part" "$work/after.$part" ||
    fail "$part differ after the copy: $(diff "$work/before.$part" "$work/after.$part" | head -5)"
done
out=$("$plaudit" audit verify) || fail "the audit trail does not verify on PostgreSQL: $out"
# New work goes on: November's events, and the decided October stays decided once.
cat >"$work/more.csv" <<'CSV'
event_id,agent_id,metric,value,occurred_at
m1,a001,csat,5,2026-11-02T10:00:00Z
CSV
expect_contains "$("$plaudit" metrics import "$work/more.csv")" "imported 1" "an event after the copy"
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
[[ $(sql "SELECT COUNT(*) FROM decisions") == 1 ]] || fail "October decided once"
stop_server
echo "migrate_postgres: 1 passed, 0 failed"
