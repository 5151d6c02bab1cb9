#!/usr/bin/env bash
# Three plauditd replicas on one PostgreSQL database under chaos: a stream of events imported
# through random replicas, a few hundred gift cards ordered from the vendor sandbox while it
# faults (slow, failing, rate-limited, acting without answering, completing later, losing
# callbacks), ten days of a daily program closed by the replicas' own closers, and kill -9 of
# random replicas at random moments, each restarted. Afterwards every acknowledged event is stored
# once, every period is decided once, every reward has ended, and the vendor holds one order per
# reward that reached it. Uses ctest's test cluster (PLAUDIT_TEST_POSTGRES_DIR), or its own.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_postgres.sh"
cd "$src"

replicas=3
agents=${CHAOS_AGENTS:-300}
kills=${CHAOS_KILLS:-8}
batches=${CHAOS_BATCHES:-40}
# Seeds the kill moments, the replicas chosen and the sandbox's faults, so a failure repeats.
seed=${CHAOS_SEED:-11}
RANDOM=$seed
api_key=replica-sk-H4s8Kd2
secret=replica-callback-9Tq3
started=$SECONDS

pids=()
ports=()
stream_pid=
stop_all() {
  local status=$?
  [[ -z $stream_pid ]] || kill "$stream_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  close_test_schema
  cleanup "$status"
}
trap stop_all EXIT
open_test_schema

# Distinct free ports, the first of which gets the vendor's callbacks.
for ((i = 0; i < replicas; i++)); do
  while :; do
    p=$(pick_port)
    [[ " ${ports[*]} " == *" $p "* ]] || break
  done
  ports[i]=$p
done

start_vendor_sandbox "$api_key" --balance USD=100000.00 --processing-ms 1200 --seed "$seed" \
  --callback-target "127.0.0.1:${ports[0]}" --callback-secret "$secret" "${chaos_fault_flags[@]}"

# Every replica: the same database, secrets key, audit key and plugin settings; its own data
# directory and audit checkpoint. A killed replica's rewards are taken over after 3 s (the lease),
# longer than the plugin's 1.5 s timeout. Plugins get a minute to start: a replica restarted
# while the machine is busy (under the sanitizers, say) must not come up without them.
for ((i = 0; i < replicas; i++)); do
  cat >"$work/r$i.yaml" <<YAML
secrets: {key_file: $work/secrets.key}
audit: {key_file: $work/audit.key, checkpoint_file: $work/r$i.checkpoint}
store: {driver: postgres, dsn: "$dsn", pool_size: 6, lease_ms: 3000}
reconcile_interval_ms: 300
retry_base_ms: 100
retry_max_ms: 1000
close_check_interval_ms: 300
plugin_start_timeout_ms: 60000
plugins:
  gift_card:
    base_url: "http://$sandbox"
    api_key_env: GIFT_REPLICA_KEY
    timeout_ms: "1500"
    max_concurrency: "4"
    callback_secret: "$secret"
YAML
done
export GIFT_REPLICA_KEY=$api_key

start_replica() {
  local i=$1
  "$plauditd" --listen "127.0.0.1:${ports[i]}" --data-dir "$work/r$i" --plugin-dir "$build/plugins" \
    --config "$work/r$i.yaml" >>"$work/r$i.log" 2>&1 &
  pids[i]=$!
}
on() {
  local i=$1
  shift
  PLAUDIT_SERVER=127.0.0.1:${ports[i]} "$plaudit" "$@"
}
wait_replica() {
  local i=$1
  for _ in $(seq 1 600); do
    if out=$(on "$i" plugins list 2>&1); then
      # A replica without its gift-card plugin would leave every card to the others.
      grep -Eq '^gift_card\b.*\bloaded\b' <<<"$out" && return 0
      fail "replica $i started without the gift_card plugin: $(grep gift_card <<<"$out")"
    fi
    kill -0 "${pids[i]}" 2>/dev/null || fail "replica $i exited at start: $(tail -5 "$work/r$i.log")"
    sleep 0.1
  done
  fail "replica $i did not answer"
}
# The first replica creates the secrets and audit keys the others read.
start_replica 0
wait_replica 0
for ((i = 1; i < replicas; i++)); do start_replica "$i"; done
for ((i = 1; i < replicas; i++)); do wait_replica "$i"; done

unfinished() { sql "SELECT COUNT(*) FROM fulfilments WHERE state NOT IN ('fulfilled', 'failed')"; }

# Agents; a month of csat (one card each: csat 5 a bookshop card, placed at once; csat 4 a cinema
# card, processing at the vendor for a while); follow-ups resolved over the last ten days (UTC)
# for the daily
# program; and the stream's batches, of a metric no program reads (calls handled).
first_day=$(date -u -d '10 days ago' +%F)
python3 - "$agents" "$work" "$first_day" "$batches" <<'PY'
import datetime, sys
n, work, first_day, batches = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(f"{work}/agents.csv", "w") as out:
    out.write("id,display_name,email,team,channel,hire_date,status\n")
    for i in range(1, n + 1):
        out.write(f"r{i:04d},Replica Agent {i},r{i:04d}@example.com,Chaos,phone,2024-01-01,active\n")
with open(f"{work}/events.csv", "w") as out:
    out.write("event_id,agent_id,metric,value,occurred_at\n")
    for i in range(1, n + 1):
        out.write(f"csat-{i:04d},r{i:04d},csat,{5 if i % 2 else 4},2026-10-15T12:00:00Z\n")
    day = datetime.date.fromisoformat(first_day)
    for d in range(10):
        for i in range(1, 21):
            # One agent a day leads clearly: 5 follow-ups against 1 to 4.
            value = 5 if i == d + 1 else 1 + (i + d) % 4
            out.write(f"followups-{d}-{i},r{i:04d},followups_resolved,{value},{day + datetime.timedelta(days=d)}T10:00:00Z\n")
for b in range(batches):
    with open(f"{work}/stream-{b}.csv", "w") as out:
        out.write("event_id,agent_id,metric,value,occurred_at\n")
        for k in range(100):
            out.write(f"stream-{b}-{k},r{(b * 100 + k) % n + 1:04d},calls_handled,1,2026-11-20T08:00:00Z\n")
PY
cat >"$work/cards.yaml" <<'YAML'
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
cat >"$work/daily.yaml" <<'YAML'
id: daily-best
name: Daily Best
cadence: daily
time_zone: UTC
close_after: 0s
scorecard:
  normalization: none
  metrics:
    - {metric: followups_resolved, aggregation: sum}
award:
  rule: top_n
  n: 1
  rewards:
    - {type: gift_card, brand: bookshop, amount: 10, currency: USD}
approval: auto
YAML
on 0 agents import "$work/agents.csv" >/dev/null
on 1 metrics import "$work/events.csv" >/dev/null
on 2 programs apply -f "$work/cards.yaml" >/dev/null
on 0 programs apply -f "$work/daily.yaml" >/dev/null

# October is evaluated on all three replicas at once: one decision.
for ((i = 0; i < replicas; i++)); do
  on "$i" awards evaluate chaos-cards --period 2026-10 -o json >"$work/eval-$i.json" &
  eval_pids[i]=$!
done
for ((i = 0; i < replicas; i++)); do wait "${eval_pids[i]}" || fail "evaluating on replica $i failed"; done
cards=$(sql "SELECT COUNT(*) FROM fulfilments")
[[ $cards == "$agents" ]] || fail "expected $agents gift cards, the decision made $cards"
# The daily program as if applied ten days ago and enabled since: its closers owe ten periods.
since_us=$(($(date -u -d "$first_day" +%s) * 1000000))
sql "UPDATE program_versions SET applied_us = $since_us WHERE program_id = 'daily-best';
     UPDATE programs SET enabled_us = $since_us WHERE id = 'daily-best'" >/dev/null

# The stream: batches of 100 events imported through random replicas; a batch whose replica dies
# under it is sent again (to another one, duplicates are skipped) until one acknowledges it.
(
  RANDOM=$((seed + 1))
  for ((b = 0; b < batches; b++)); do
    for attempt in $(seq 1 100); do
      on $((RANDOM % replicas)) metrics import "$work/stream-$b.csv" >/dev/null 2>&1 && break
      ((attempt < 100)) || exit 1
      sleep 0.1
    done
    echo "$b" >>"$work/acknowledged"
    sleep 0.0$((RANDOM % 10))
  done
) &
stream_pid=$!

# kill -9 of a random replica at random moments (0.3 to 1.5 s apart), restarted at once.
killed_busy=0
for ((k = 1; k <= kills; k++)); do
  pause_ms=$((300 + RANDOM % 1201))
  sleep "$(printf '%d.%03d' $((pause_ms / 1000)) $((pause_ms % 1000)))"
  victim=$((RANDOM % replicas))
  kill -KILL "${pids[victim]}" 2>/dev/null || true
  wait "${pids[victim]}" 2>/dev/null || true
  left=$(unfinished)
  ((left > 0)) && killed_busy=$((killed_busy + 1))
  echo "kill $k: replica $victim, $left rewards unfinished"
  start_replica "$victim"
done
((killed_busy > 0)) || fail "every reward had ended before the first kill; the test proved nothing"
for ((i = 0; i < replicas; i++)); do wait_replica "$i"; done
wait "$stream_pid" || fail "a stream batch was refused by every replica 100 times"
stream_pid=

# Then the replicas run undisturbed until the daily periods are closed and every reward has ended
# (or 180 s pass).
daily_due() {
  python3 - "$first_day" <<'PY'
import datetime, sys
day = datetime.date.fromisoformat(sys.argv[1])
today = datetime.datetime.now(datetime.timezone.utc).date()
print(" ".join(str(day + datetime.timedelta(days=d)) for d in range((today - day).days)))
PY
}
deadline=$((SECONDS + 180))
while ((SECONDS < deadline)); do
  due=$(daily_due)
  decided=$(sql "SELECT string_agg(period, ' ' ORDER BY period) FROM decisions WHERE program_id = 'daily-best'")
  [[ $decided == "$due" && $(unfinished) == 0 ]] && break
  sleep 0.3
done
[[ $decided == "$due" ]] || fail "daily periods: decided [$decided], due [$due]"
left=$(unfinished)
((left == 0)) || fail "$left rewards had not ended: $(sql "SELECT id, state, error FROM fulfilments WHERE state NOT IN ('fulfilled', 'failed') LIMIT 5")"
elapsed=$((SECONDS - started))

# Every acknowledged event once.
[[ $(wc -l <"$work/acknowledged") == "$batches" ]] || fail "not every batch was acknowledged"
read -r stored distinct <<<"$(sql "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events WHERE metric = 'calls_handled'")"
[[ $stored == $((batches * 100)) && $distinct == "$stored" ]] ||
  fail "stream events: $stored stored ($distinct distinct), expected $((batches * 100))"
# Every period decided once, each with its one winner, by one replica's closer or evaluation.
periods=$(sql "SELECT COUNT(*) FROM decisions")
days=$(wc -w <<<"$due")
[[ $periods == $((days + 1)) ]] || fail "$periods decisions, expected $((days + 1))"
twice=$(sql "SELECT program_id, period, agent_id FROM awards GROUP BY 1, 2, 3 HAVING COUNT(*) > 1")
[[ -z $twice ]] || fail "awarded twice: $twice"
[[ $(sql "SELECT COUNT(*) FROM awards WHERE program_id = 'daily-best'") == "$days" ]] ||
  fail "one daily winner per period"

# Rewards against the vendor's own list of orders.
sql "SELECT idempotency_key, state, error FROM fulfilments" >"$work/rewards.tsv"
sandbox_control GET /v1/_orders >"$work/orders.json"
summary=$(python3 "$src/tests/e2e/vendor_invariants.py" "$work/rewards.tsv" "$work/orders.json") || fail "invariants broken:"$'\n'"$summary"
read -r total fulfilled failed _ orders _ <<<"$summary"
lookups=$(sql "SELECT COUNT(*) FROM fulfilment_attempts WHERE kind = 'lookup'")
echo "replica_chaos: $replicas replicas, $kills kills ($killed_busy mid-work), $((batches * 100))" \
  "stream events, $((days + 1)) periods, $total rewards, $orders vendor orders, $fulfilled" \
  "fulfilled, $failed failed, $lookups lookups, ${elapsed}s"
echo "replica_chaos: 1 passed, 0 failed"
