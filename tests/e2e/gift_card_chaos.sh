#!/usr/bin/env bash
# Chaos for gift cards: about 200 rewards delivered through the gift_card plugin to a vendor
# sandbox that is slow, fails, rate-limits, acts without answering, completes orders later and
# loses callbacks, while plauditd is killed with -9 at random moments and restarted. Afterwards
# every reward has ended, exactly once: one vendor order per fulfilled reward, none for a reward
# that ended without one, and never an order that is paid while its reward failed.
source "$(dirname "$0")/lib.sh"
cd "$src"

agents=${CHAOS_AGENTS:-200}
kills=${CHAOS_KILLS:-8}
# Seeds the random kill moments here and the sandbox's faults and codes, so a failure repeats.
seed=${CHAOS_SEED:-7}
RANDOM=$seed
api_key=chaos-sk-V2m8Qw3
secret=chaos-callback-3Jd9
data=$work/data
started=$SECONDS

count() { sqlite3 "$data/plaudit.db" "$1"; }
unfinished() { count "SELECT COUNT(*) FROM fulfilments WHERE state NOT IN ('fulfilled', 'failed')"; }

# plauditd's port is chosen first: the sandbox sends its callbacks there, through restarts.
port=$(pick_port)
start_vendor_sandbox "$api_key" --balance USD=100000.00 --processing-ms 1200 --seed "$seed" \
  --callback-target "127.0.0.1:$port" --callback-secret "$secret" "${chaos_fault_flags[@]}"

# Short backoffs and a quick reconciliation, so that lost answers and callbacks are made good
# within the run; the plugin gives up on a hung order after 1.5 s.
cat >"$work/plauditd.yaml" <<YAML
reconcile_interval_ms: 300
retry_base_ms: 100
retry_max_ms: 1000
plugins:
  gift_card:
    base_url: "http://$sandbox"
    api_key_env: GIFT_CHAOS_KEY
    timeout_ms: "1500"
    max_concurrency: "4"
    callback_secret: "$secret"
YAML
export GIFT_CHAOS_KEY=$api_key
export PLAUDITD_CONFIG=$work/plauditd.yaml

# Every agent earns one card: csat 5 a bookshop card (placed at once), csat 4 a cinema card
# (processing until the vendor completes it).
python3 - "$agents" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
with open(f"{work}/agents.csv", "w") as out:
    out.write("id,display_name,email,team,channel,hire_date,status\n")
    for i in range(1, n + 1):
        out.write(f"c{i:04d},Chaos Agent {i},c{i:04d}@example.com,Chaos,phone,2024-01-01,active\n")
with open(f"{work}/events.csv", "w") as out:
    out.write("event_id,agent_id,metric,value,occurred_at\n")
    for i in range(1, n + 1):
        out.write(f"chaos-{i:04d},c{i:04d},csat,{5 if i % 2 else 4},2026-10-15T12:00:00Z\n")
PY
cat >"$work/program.yaml" <<'YAML'
id: chaos-cards
name: Chaos Cards
cadence: monthly
time_zone: UTC
scorecard:
  normalization: none
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: tiers
  tiers:
    - {name: five, min_score: 4.5, rewards: [{type: gift_card, brand: bookshop, amount: 25, currency: USD}]}
    - {name: four, min_score: 0, rewards: [{type: gift_card, brand: cinema, amount: 15, currency: USD}]}
approval: auto
YAML

start_server "$data"
"$plaudit" agents import "$work/agents.csv" >/dev/null
"$plaudit" metrics import "$work/events.csv" >/dev/null
"$plaudit" programs apply -f "$work/program.yaml" >/dev/null
"$plaudit" awards evaluate chaos-cards --period 2026-10 >/dev/null
rewards=$(count 'SELECT COUNT(*) FROM fulfilments')
[[ $rewards == "$agents" ]] || fail "expected $agents gift cards, the decision made $rewards"

# Kill -9 at random moments (0.2 to 1.5 s apart), restarting each time.
killed_busy=0
for ((k = 1; k <= kills; k++)); do
  pause_ms=$((200 + RANDOM % 1301))
  sleep "$(printf '%d.%03d' $((pause_ms / 1000)) $((pause_ms % 1000)))"
  kill9_server
  left=$(unfinished)
  ((left > 0)) && killed_busy=$((killed_busy + 1))
  echo "kill $k: $left of $rewards rewards unfinished"
  start_server "$data"
done
((killed_busy > 0)) || fail "every reward had ended before the first kill; the test proved nothing"

# Then plauditd runs undisturbed until every reward has ended (or 120 s pass).
deadline=$((SECONDS + 120))
while (($(unfinished) > 0 && SECONDS < deadline)); do sleep 0.2; done
left=$(unfinished)
((left == 0)) || fail "$left rewards had not ended after 120 s: $(count "SELECT id, state, error FROM fulfilments WHERE state NOT IN ('fulfilled', 'failed') LIMIT 5")"
elapsed=$((SECONDS - started))

# The invariants, from plauditd's database and the vendor's own list of orders.
sqlite3 -separator $'\t' "$data/plaudit.db" 'SELECT idempotency_key, state, error FROM fulfilments' \
  >"$work/rewards.tsv"
sandbox_control GET /v1/_orders >"$work/orders.json"
summary=$(python3 "$src/tests/e2e/vendor_invariants.py" "$work/rewards.tsv" "$work/orders.json") || fail "invariants broken:"$'\n'"$summary"
read -r total fulfilled failed failed_placed orders asynchronous <<<"$summary"
dropped=$(json_eval "$(sandbox_control GET /v1/_events)" 'd["dropped"]')
callbacks=$(count "SELECT COUNT(*) FROM fulfilment_attempts WHERE kind = 'callback'")
lookups=$(count "SELECT COUNT(*) FROM fulfilment_attempts WHERE kind = 'lookup'")
stop_server
echo "gift_card_chaos: $total rewards, $kills kills ($killed_busy mid-work), $orders vendor orders" \
  "($asynchronous processing first), $fulfilled fulfilled, $failed failed ($failed_placed after" \
  "placing), $callbacks callbacks applied, $dropped status changes unreported, $lookups lookups," \
  "${elapsed}s"
echo "gift_card_chaos: 1 passed, 0 failed"
