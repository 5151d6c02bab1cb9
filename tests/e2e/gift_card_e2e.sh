#!/usr/bin/env bash
# The gift_card plugin inside plauditd against the vendor_sandbox binary: the catalogue through the
# CLI; kill -9 of plauditd while the vendor is placing orders, and after the restart exactly one
# vendor order per award; codes only for their recipients and never in logs; a sandbox restart
# (from its state file) keeps the orders.
source "$(dirname "$0")/lib.sh"
cd "$src"

api_key=e2e-sk-7Qx2Lr9Vd4
sandbox_pid=
sandbox_port=0
stop_sandbox() {
  if [[ -n $sandbox_pid ]]; then
    kill -TERM "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=
  fi
}
trap 'status=$?; stop_sandbox; cleanup $status' EXIT

# start_sandbox: on $sandbox_port (0 the first time), keeping its orders in $work/sandbox.json.
start_sandbox() {
  "$build/bin/vendor_sandbox" --port "$sandbox_port" --api-key "$api_key" \
    --state-file "$work/sandbox.json" >"$work/sandbox.out" 2>&1 &
  sandbox_pid=$!
  local line=
  for _ in $(seq 1 100); do
    # The sandbox may not have opened its output file yet.
    line=$(head -n 1 "$work/sandbox.out" 2>/dev/null || true)
    [[ $line == "listening on "* ]] && break
    sleep 0.05
  done
  [[ $line == "listening on 127.0.0.1:"* ]] || fail "vendor_sandbox did not start: $(cat "$work/sandbox.out")"
  sandbox_port=${line##*:}
}

# vendor METHOD PATH [BODY]: a call to the sandbox's /v1/_ controls (they need no key).
vendor() {
  python3 -c '
import sys, urllib.request
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
request = urllib.request.Request(sys.argv[2], data=data, method=sys.argv[1])
print(urllib.request.urlopen(request, timeout=10).read().decode())
' "$1" "http://127.0.0.1:$sandbox_port$2" "${@:3}"
}
wait_fulfilled() {
  local states=
  for _ in $(seq 1 150); do
    states=$("$plaudit" fulfilments list -o json | json_eval "$(cat)" 'sorted(set(f["state"] for f in d))')
    [[ $states == "['fulfilled']" ]] && return 0
    sleep 0.2
  done
  fail "gift cards were not all fulfilled: $("$plaudit" fulfilments list)"
}
order_count() { json_eval "$(vendor GET /v1/_orders)" 'len(d["orders"])'; }

start_sandbox
cat >"$work/plauditd.yaml" <<YAML
plugins:
  gift_card: {base_url: "http://127.0.0.1:$sandbox_port", api_key_env: GIFT_E2E_KEY, timeout_ms: "20000"}
YAML
export GIFT_E2E_KEY=$api_key
PLAUDITD_CONFIG="$work/plauditd.yaml" start_server "$work/data"

out=$("$plaudit" plugins list)
expect_contains "$out" "gift_card" "plugins list"
out=$("$plaudit" rewards catalog -o csv)
expect_contains "$out" "brand,name,currencies,denominations" "catalog header"
expect_contains "$out" "bookshop,Paper Lantern Books" "catalog rows"

"$plaudit" agents import examples/agents.csv >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
sed -e '/^    - type: certificate$/d' \
  -e 's/^    - {type: leave_credit, hours: 8}$/    - {type: gift_card, brand: bookshop, amount: 25, currency: USD}/' \
  examples/programs/employee-of-the-month.yaml >"$work/program.yaml"
"$plaudit" programs apply -f "$work/program.yaml" >/dev/null

# The vendor places each order at once but answers 60 s later; plauditd dies in between. The
# delay is long because `awards evaluate` may answer seconds after the orders went out on a busy
# machine (the sanitizer build); the sandbox drops the held answers when it stops.
vendor POST /v1/_faults \
  '{"type":"latency","latency_ms":60000,"method":"POST","path":"/v1/orders","count":3}' >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
for _ in $(seq 1 200); do
  (($(order_count) >= 1)) && break
  sleep 0.02
done
kill9_server
placed=$(order_count)
((placed >= 1)) || fail "no order was placed before the kill; the test proved nothing"
unfinished=$(sqlite3 "$work/data/plaudit.db" "SELECT COUNT(*) FROM fulfilments WHERE state != 'fulfilled'")
((unfinished >= 1)) || fail "every fulfilment finished before the kill; the test proved nothing"
echo "killed with $placed vendor order(s) placed and $unfinished fulfilment(s) unfinished"
vendor DELETE /v1/_faults >/dev/null

PLAUDITD_CONFIG="$work/plauditd.yaml" start_server "$work/data"
wait_fulfilled
fulfilments=$("$plaudit" fulfilments list -o json)
[[ $(json_eval "$fulfilments" 'len(d)') == 3 ]] || fail "one gift card for each of three awards"
orders=$(vendor GET /v1/_orders)
[[ $(json_eval "$orders" 'len(d["orders"])') == 3 ]] || fail "expected 3 vendor orders: $orders"
keys=$(sqlite3 "$work/data/plaudit.db" 'SELECT idempotency_key FROM fulfilments ORDER BY 1')
[[ $(json_eval "$orders" '"\n".join(sorted(o["external_reference"] for o in d["orders"]))') == "$keys" ]] ||
  fail "vendor orders are not keyed by the rewards' idempotency keys"
expect_contains "$(json_eval "$fulfilments" 'd[0]["artifact"]')" "(code held for the recipient)" "artifact"

# The code: shown to its recipient only, and nowhere else.
read -r agent key < <(sqlite3 -separator ' ' "$work/data/plaudit.db" \
  'SELECT agent_id, idempotency_key FROM fulfilments ORDER BY id LIMIT 1')
code=$(json_eval "$orders" "[o['redemption']['code'] for o in d['orders'] if o['external_reference']=='$key'][0]")
out=$("$plaudit" --as "$agent" rewards code "$key")
expect_contains "$out" "$code" "rewards code for the recipient"
if "$plaudit" --as ops-lead rewards code "$key" >"$work/code.out" 2>"$work/code.err"; then
  fail "rewards code must refuse anyone but the recipient"
fi
expect_contains "$(cat "$work/code.err")" "recipient" "rewards code refusal"
[[ $("$plaudit" fulfilments list) != *"$code"* ]] || fail "fulfilments list shows a code"
# Nor does any export, in either format, even the recipient's own.
for dataset in fulfilments awards budget-ledger audit; do
  for format in csv ndjson; do
    out=$("$plaudit" export "$dataset" --format "$format")
    [[ $out != *"$code"* && $out != *"$api_key"* ]] || fail "the $dataset export ($format) holds a secret"
  done
done
out=$("$plaudit" --as "$agent" export fulfilments)
expect_contains "$out" "$key" "the recipient's own reward in their export"
[[ $out != *"$code"* ]] || fail "the recipient's export holds their code"
# A copy of the database reveals no code: plugin state is sealed, and no other row holds one.
for file in "$work/data/plaudit.db" "$work/data/plaudit.db-wal"; do
  [[ ! -e $file ]] || ! grep -qaF -- "$code" "$file" || fail "a redemption code is readable in $file"
done
[[ $(stat -c %a "$work/data") == 700 && $(stat -c %a "$work/data/plaudit.db") == 600 &&
   $(stat -c %a "$work/data/secrets.key") == 600 ]] || fail "the data directory is not private"

# A restarted sandbox keeps its orders, and asking again for the period orders nothing new.
stop_sandbox
start_sandbox
[[ $(order_count) == 3 ]] || fail "the sandbox lost orders across a restart"
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
[[ $(order_count) == 3 ]] || fail "a second order was placed"

! grep -q -- "$api_key" "$work/plauditd.log" || fail "the API key is in plauditd's log"
! grep -q -- "$code" "$work/plauditd.log" || fail "a redemption code is in plauditd's log"

echo "gift_card_e2e: 1 passed, 0 failed"
