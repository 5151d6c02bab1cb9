#!/usr/bin/env bash
# kill -9 of plauditd during an import and during fulfilment: after a restart every acknowledged
# event is there exactly once, and every reward is fulfilled exactly once.
source "$(dirname "$0")/lib.sh"
cd "$src"
data=$work/data

start_server "$data"
"$plaudit" agents import examples/agents.csv >/dev/null
acked=$(($(wc -l <examples/events-2026-10.csv) - 1))
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null

# A large import that the server dies in the middle of.
python3 examples/generate_sample.py --rows 200000 --out "$work/big.csv"
"$plaudit" metrics import "$work/big.csv" >"$work/big.out" 2>&1 &
client=$!
# Kill as soon as part of the big file is committed, so the kill lands mid-import: three
# messages of 2,000 rows, so that the first one's acknowledgement has reached the client.
for _ in $(seq 1 500); do
  stored=$(sqlite3 "$data/plaudit.db" 'SELECT COUNT(*) FROM events' 2>/dev/null || echo 0)
  ((stored > acked + 6000)) && break
  sleep 0.01
done
kill9_server
if wait "$client"; then fail "the import finished before the kill; the test proved nothing"; fi
stored=$(sqlite3 "$data/plaudit.db" 'SELECT COUNT(*) FROM events')
echo "killed with $stored events stored"
# The client says how far the server had acknowledged, and every acknowledged row is stored.
reported=$(sed -n 's/^stream lost after row \([0-9]*\); rows up to .* are stored; run again to resume (duplicates are skipped)$/\1/p' "$work/big.out")
[[ -n $reported ]] || fail "the interrupted import did not say what was stored: $(cat "$work/big.out")"
((stored >= acked + reported)) ||
  fail "the client was told $reported rows were stored, but only $((stored - acked)) are"

start_server "$data"
out=$("$plaudit" metrics import examples/events-2026-10.csv)
expect_contains "$out" "imported 0, duplicates $acked, rejected 0" "acknowledged events after kill -9"
# Retrying the interrupted file stores each of its events once.
out=$("$plaudit" metrics import "$work/big.csv")
imported=$(sed -n 's/^imported \([0-9]*\), duplicates \([0-9]*\),.*/\1 \2/p' <<<"$out")
read -r new dup <<<"$imported"
[[ $((new + dup)) -eq 200000 ]] || fail "retry of the interrupted file: $out"
total=$(sqlite3 "$data/plaudit.db" 'SELECT COUNT(*) FROM events')
[[ $total -eq $((acked + 200000)) ]] || fail "expected $((acked + 200000)) events, found $total"

# Decide, then kill -9 while fulfilments are in flight: the slow test plugin has applied its
# effect for one reward but plauditd has not recorded the outcome yet.
stop_server
plugins=$work/plugins
mkdir -p "$plugins"
ln -s "$build"/plugins/*.so "$build/e2e-plugins/test_slow_plugin.so" "$plugins/"
sed 's/    - {type: leave_credit, hours: 8}/    - {type: leave_credit, hours: 8}\n    - type: slow_thanks/' \
  examples/programs/employee-of-the-month.yaml >"$work/program.yaml"
# The effect takes 20 s before the kill (a busy machine may answer `awards evaluate` seconds after
# the calls began) and the default 0.5 s after the restart.
printf 'plugins:\n  test_slow_plugin: {delay_ms: "20000"}\n' >"$work/slow.yaml"
PLAUDITD_CONFIG=$work/slow.yaml PLUGIN_DIR=$plugins start_server "$data"
"$plaudit" programs apply -f "$work/program.yaml" >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
count() { sqlite3 "$data/plaudit.db" "$1"; }
for _ in $(seq 1 500); do
  effects=$(count "SELECT COUNT(*) FROM plugin_state WHERE plugin = 'slow'")
  ((effects >= 1)) && break
  sleep 0.01
done
kill9_server
pending=$(count "SELECT COUNT(*) FROM fulfilments WHERE state = 'pending'")
((pending > 0)) || fail "nothing was in flight at the kill; the test proved nothing"
echo "killed with $pending of 9 fulfilments pending, $effects slow effect(s) applied"
keys_before=$(count 'SELECT id, idempotency_key FROM fulfilments ORDER BY id')

PLUGIN_DIR=$plugins start_server "$data"
for _ in $(seq 1 200); do
  pending=$(count "SELECT COUNT(*) FROM fulfilments WHERE state != 'fulfilled'")
  [[ $pending -eq 0 ]] && break
  sleep 0.1
done
[[ $pending -eq 0 ]] || fail "fulfilments did not complete after restart: $("$plaudit" fulfilments list)"
[[ $(count 'SELECT id, idempotency_key FROM fulfilments ORDER BY id') == "$keys_before" ]] ||
  fail "idempotency keys changed across the restart"
# Each effect happened once per reward, under that reward's key.
[[ $(count "SELECT COUNT(*) FROM plugin_state WHERE plugin = 'slow'") -eq 3 ]] ||
  fail "slow effects: expected 3"
[[ $(count "SELECT COUNT(*) FROM fulfilments f JOIN plugin_state s ON s.plugin = 'slow'
            AND s.key = 'effect/' || f.idempotency_key WHERE f.type = 'slow_thanks'") -eq 3 ]] ||
  fail "slow effects do not match the fulfilments' keys"
# Leave was credited once per award: 8 hours each.
balances=$(json_eval "$("$plaudit" leave balances -o json)" \
  'sorted({float(r["hours_available"]) for r in d})')
[[ $balances == "[8.0]" ]] || fail "leave credited more than once: $balances"
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
[[ $(count 'SELECT COUNT(*) FROM fulfilments') -eq 9 ]] || fail "duplicate fulfilments"
stop_server
echo "crash_recovery: 1 passed, 0 failed"
