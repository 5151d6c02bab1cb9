#!/usr/bin/env bash
# SIGTERM stops plauditd within shutdown_timeout_ms even while a plugin is stuck in a call, and
# the reward it was delivering is resumed, once, after the next start.
source "$(dirname "$0")/lib.sh"
cd "$src"
data=$work/data
plugins=$work/plugins
mkdir -p "$plugins"
ln -s "$build"/plugins/*.so "$build/e2e-plugins/test_slow_plugin.so" "$plugins/"
export PLUGIN_DIR=$plugins
count() { sqlite3 "$data/plaudit.db" "$1"; }

printf 'shutdown_timeout_ms: 2000\nplugins:\n  test_slow_plugin: {delay_ms: "600000"}\n' \
  >"$work/stuck.yaml"
PLAUDITD_CONFIG=$work/stuck.yaml start_server "$data"
"$plaudit" agents import examples/agents.csv >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
sed 's/    - {type: leave_credit, hours: 8}/    - type: slow_thanks/' \
  examples/programs/employee-of-the-month.yaml >"$work/program.yaml"
"$plaudit" programs apply -f "$work/program.yaml" >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
for _ in $(seq 1 500); do
  (($(count "SELECT COUNT(*) FROM plugin_state WHERE plugin = 'slow'") >= 1)) && break
  sleep 0.01
done
(($(count "SELECT COUNT(*) FROM plugin_state WHERE plugin = 'slow'") >= 1)) ||
  fail "the slow plugin was never called"

started=$(date +%s)
kill -TERM "$server_pid"
set +e
wait "$server_pid"
rc=$?
set -e
server_pid=
elapsed=$(($(date +%s) - started))
((rc != 0)) || fail "a forced stop must exit non-zero"
((elapsed <= 8)) || fail "SIGTERM took ${elapsed}s with shutdown_timeout_ms 2000"
expect_contains "$(cat "$work/plauditd.log")" "shutdown took longer than 2s" "forced stop is logged"
pending=$(count "SELECT COUNT(*) FROM fulfilments WHERE state = 'pending'")
((pending > 0)) || fail "nothing was left in flight"

printf 'plugins:\n  test_slow_plugin: {delay_ms: "0"}\n' >"$work/fast.yaml"
PLAUDITD_CONFIG=$work/fast.yaml start_server "$data"
for _ in $(seq 1 100); do
  pending=$(count "SELECT COUNT(*) FROM fulfilments WHERE state != 'fulfilled'")
  ((pending == 0)) && break
  sleep 0.1
done
((pending == 0)) || fail "fulfilments did not resume: $("$plaudit" fulfilments list)"
[[ $(count "SELECT COUNT(*) FROM plugin_state WHERE plugin = 'slow'") -eq 3 ]] ||
  fail "each slow reward must take effect once"
stop_server
echo "shutdown: 1 passed, 0 failed"
