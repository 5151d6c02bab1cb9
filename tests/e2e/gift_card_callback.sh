#!/usr/bin/env bash
# Vendor callbacks end to end: a gift card left processing by the vendor sandbox is fulfilled by
# the sandbox's signed callback to plauditd (reconciliation is 10 minutes away, so nothing else
# can have done it); a callback signed with the wrong secret, one delivered again and one signed
# too long ago are refused and change nothing; the card redeemed at the vendor is recorded and
# counted by the program report and the fulfilments export.
source "$(dirname "$0")/lib.sh"
cd "$src"

api_key=cb-sk-4Tn7Wq
secret=cb-secret-9Lp2
data=$work/data
count() { sqlite3 "$data/plaudit.db" "$1"; }

sandbox_pids=()
stop_sandboxes() {
  for pid in "${sandbox_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap 'status=$?; stop_sandboxes; cleanup $status' EXIT

# start_sandbox NAME FLAGS...: starts a sandbox logging to $work/NAME.*; sets sandbox_port.
start_sandbox() {
  local name=$1
  "$build/bin/vendor_sandbox" --api-key "$api_key" "${@:2}" >"$work/$name.out" 2>"$work/$name.err" &
  sandbox_pids+=($!)
  local line=
  for _ in $(seq 1 100); do
    line=$(head -n 1 "$work/$name.out" 2>/dev/null || true)
    [[ $line == "listening on "* ]] && break
    sleep 0.05
  done
  [[ $line == "listening on 127.0.0.1:"* ]] || fail "vendor_sandbox $name did not start: $(cat "$work/$name.err")"
  sandbox_port=${line##*:}
}

# http METHOD URL [BODY]: a JSON call with the sandbox's API key.
http() {
  python3 -c '
import sys, urllib.request
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
request = urllib.request.Request(sys.argv[2], data=data, method=sys.argv[1],
                                 headers={"Authorization": "Bearer " + sys.argv[4],
                                          "Content-Type": "application/json"})
print(urllib.request.urlopen(request, timeout=10).read().decode())
' "$1" "$2" "${3:-}" "$api_key"
}

port=$(pick_port)
# The vendor keeps every order processing until told otherwise.
start_sandbox vendor --all-async --processing-ms -1 --callback-target "127.0.0.1:$port" \
  --callback-secret "$secret"
vendor_url=http://127.0.0.1:$sandbox_port
cat >"$work/plauditd.yaml" <<YAML
reconcile_interval_ms: 600000
plugins:
  gift_card: {base_url: "$vendor_url", api_key_env: GIFT_CB_KEY, callback_secret: "$secret"}
YAML
export GIFT_CB_KEY=$api_key
export PLAUDITD_CONFIG=$work/plauditd.yaml
start_server "$data"

cat >"$work/agents.csv" <<'CSV'
id,display_name,email,team,channel,hire_date,status
cb01,Callback Agent,cb01@example.com,Callbacks,phone,2024-01-01,active
CSV
cat >"$work/events.csv" <<'CSV'
event_id,agent_id,metric,value,occurred_at
cb-0001,cb01,csat,5,2026-10-15T12:00:00Z
CSV
cat >"$work/program.yaml" <<'YAML'
id: callback-cards
name: Callback Cards
cadence: monthly
time_zone: UTC
scorecard:
  normalization: none
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: threshold
  min_score: 0
  rewards:
    - {type: gift_card, brand: bookshop, amount: 25, currency: USD, value: 25, face_value: 2.5}
approval: auto
YAML
"$plaudit" agents import "$work/agents.csv" >/dev/null
"$plaudit" metrics import "$work/events.csv" >/dev/null
"$plaudit" programs apply -f "$work/program.yaml" >/dev/null
"$plaudit" awards evaluate callback-cards --period 2026-10 >/dev/null
key=$(count 'SELECT idempotency_key FROM fulfilments')
[[ -n $key ]] || fail "the award has no fulfilment"

# The order is placed and answered processing, and the vendor's callback says the same: the
# reward waits, pending.
pending_seen() {
  count "SELECT COUNT(DISTINCT kind) FROM fulfilment_attempts
         WHERE outcome = 'pending' AND kind IN ('fulfil', 'callback')"
}
for _ in $(seq 1 100); do
  [[ $(pending_seen) == 2 ]] && break
  sleep 0.1
done
[[ $(pending_seen) == 2 ]] || fail "no pending answer and processing callback: $(cat "$work/vendor.err")"
[[ $(count 'SELECT state FROM fulfilments') == pending ]] || fail "the reward is not pending"
order=$(http GET "$vendor_url/v1/orders?external_reference=$key")
[[ $(json_eval "$order" 'd["status"]') == processing ]] || fail "the order is not processing: $order"
attempts_before=$(count 'SELECT COUNT(*) FROM fulfilment_attempts')
callbacks_before=$(count "SELECT COUNT(*) FROM fulfilment_attempts WHERE kind = 'callback'")

# A forger: another "vendor" that signs with the wrong secret reports the same reward completed.
start_sandbox forger --callback-target "127.0.0.1:$port" --callback-secret not-the-secret
http POST "http://127.0.0.1:$sandbox_port/v1/orders" "{\"external_reference\": \"$key\",
  \"brand_id\": \"bookshop\", \"amount\": 25, \"currency\": \"USD\",
  \"recipient\": {\"name\": \"Callback Agent\"}}" >/dev/null
for _ in $(seq 1 100); do
  grep -q "callback refused" "$work/forger.err" && break
  sleep 0.05
done
refusal=$(cat "$work/forger.err")
expect_contains "$refusal" "callback refused (16)" "a badly signed callback is UNAUTHENTICATED"
expect_contains "$refusal" "signature" "the refusal names the signature"
[[ $(count 'SELECT state FROM fulfilments') == pending ]] || fail "a forged callback changed the reward"
[[ $(count "SELECT COUNT(*) FROM fulfilment_attempts WHERE kind = 'callback'") == "$callbacks_before" ]] ||
  fail "a forged callback was recorded"

# The vendor completes the order: its signed callback fulfils the reward at once.
http POST "$vendor_url/v1/_orders/status" "{\"external_reference\": \"$key\", \"status\": \"completed\"}" \
  >/dev/null
for _ in $(seq 1 100); do
  [[ $(count 'SELECT state FROM fulfilments') == fulfilled ]] && break
  sleep 0.05
done
[[ $(count 'SELECT state FROM fulfilments') == fulfilled ]] ||
  fail "the callback did not fulfil the reward: $(cat "$work/vendor.err")"
[[ $(count "SELECT kind || ' ' || outcome || ' ' || actor FROM fulfilment_attempts
            ORDER BY seq DESC LIMIT 1") == "callback fulfilled callback:gift_card" ]] ||
  fail "the last attempt is not the callback: $("$plaudit" fulfilments list)"
[[ $(count 'SELECT COUNT(*) FROM fulfilment_attempts') == $((attempts_before + 1)) ]] ||
  fail "something besides the callback looked at the reward"

# The vendor's last callback delivered again byte for byte is refused as replayed, and its body
# signed ten minutes ago as too old; neither is recorded.
attempts_after=$((attempts_before + 1))
refused_with() {
  for _ in $(seq 1 100); do
    grep -q "callback refused (7): .*$1" "$work/vendor.err" && return 0
    sleep 0.05
  done
  fail "the sandbox saw no refusal with \"$1\": $(cat "$work/vendor.err")"
}
http POST "$vendor_url/v1/_callbacks/replay" >/dev/null
refused_with "callback replayed"
http POST "$vendor_url/v1/_callbacks/resend?age_s=600" >/dev/null
refused_with "stale callback: .*too old"
[[ $(count 'SELECT COUNT(*) FROM fulfilment_attempts') == "$attempts_after" ]] ||
  fail "a replayed or stale callback was recorded"

# The recipient reads the card's code, fetched from the vendor since the callback carries none.
code=$(json_eval "$(http GET "$vendor_url/v1/orders?external_reference=$key")" 'd["redemption"]["code"]')
expect_contains "$("$plaudit" --as cb01 rewards code "$key")" "$code" "rewards code after a callback"

# The recipient spends the card: the vendor's order.redeemed callback is recorded once, and the
# program report counts the code redeemed beside the reward's value and face value.
report_json() { "$plaudit" report callback-cards --from 2026-10 -o json; }
[[ $(json_eval "$(report_json)" 'd["overall"]["delivery"].get("redeemed", 0)') == 0 ]] ||
  fail "a code counts as redeemed before the vendor said so"
http POST "$vendor_url/v1/_orders/redeem" "{\"external_reference\": \"$key\",
  \"redeemed_at\": \"2026-11-03T09:30:00Z\"}" >/dev/null
for _ in $(seq 1 100); do
  [[ $(count 'SELECT redeemed_us FROM fulfilments') != 0 ]] && break
  sleep 0.05
done
[[ $(count 'SELECT redeemed_us FROM fulfilments') == 1793698200000000 ]] ||
  fail "the redemption was not recorded at its time: $(count 'SELECT redeemed_us FROM fulfilments') $(cat "$work/vendor.err")"
report=$(report_json)
[[ $(json_eval "$report" 'd["overall"]["delivery"]["redeemed"]') == 1 ]] ||
  fail "the report does not count the redeemed code: $report"
[[ $(json_eval "$report" '[(t["type"], int(t["redeemed"]), float(t["settled"]), float(t["face_value"])) for t in d["overall"]["spend"]["reward_types"]]') == "[('gift_card', 1, 25.0, 2.5)]" ]] ||
  fail "the report's gift_card row is wrong: $report"
expect_contains "$("$plaudit" report callback-cards --from 2026-10)" "redeemed" "the table names redemptions"
exported=$("$plaudit" export fulfilments --format ndjson)
[[ $(json_eval "$exported" '(d["value"], d["face_value"], d["redeemed_at"])') == "('25', '2.5', '2026-11-03T09:30:00Z')" ]] ||
  fail "the fulfilments export lacks the value or the redemption: $exported"
stop_server
echo "gift_card_callback: 1 passed, 0 failed"
