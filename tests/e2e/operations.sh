#!/usr/bin/env bash
# The operations listener and JSON logs: /metrics parses as Prometheus's text format (with the
# Prometheus project's own Python parser) and counts what was done (calls, events, standings,
# fulfilments, the queue, budgets); /healthz and /readyz answer, /readyz turns 503 when the
# database's schema is not this plauditd's and while it drains after SIGTERM; every log line is a
# JSON object; a metrics listener on another host's address without tls is refused.
source "$(dirname "$0")/lib.sh"
cd "$src"
data=$work/data
python=/usr/bin/python3  # Debian's, with python3-prometheus-client
"$python" -c 'import prometheus_client' 2>/dev/null ||
  fail "python3-prometheus-client is not installed (scripts/install-deps.sh installs it)"

mport=$(pick_port)
printf 'metrics_listen: 127.0.0.1:%s\nlog_format: json\ndrain_ms: 60000\n' "$mport" >"$work/ops.yaml"
PLAUDITD_CONFIG=$work/ops.yaml start_server "$data"
ops=http://127.0.0.1:$mport

# GET PATH: prints the status code, a line break, and the body.
get() {
  "$python" - "$ops$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        print(r.status); print(r.read().decode(), end="")
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode(), end="")
PY
}

[[ $(get /healthz) == $'200\nok' ]] || fail "/healthz: $(get /healthz)"
[[ $(get /readyz) == $'200\nready' ]] || fail "/readyz: $(get /readyz)"

"$plaudit" agents import examples/agents.csv >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
stored=$(($(wc -l <examples/events-2026-10.csv) - 1))
printf 'event_id,agent_id,metric,value,occurred_at\nbad-1,a001,csat,not-a-number,2026-10-05T10:00:00Z\n' \
  >"$work/bad.csv"
"$plaudit" metrics import "$work/bad.csv" >/dev/null 2>&1 || true
"$plaudit" programs apply -f examples/programs/employee-of-the-month.yaml >/dev/null
"$plaudit" programs apply -f examples/programs/csat-leave-day.yaml >/dev/null
"$plaudit" leaderboard employee-of-the-month --period 2026-10 --top 3 >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
"$plaudit" awards evaluate csat-leave-day --period 2026-10 >/dev/null
# An agent may not apply programs: a refused call.
if PLAUDIT_REQUEST_ID=ops-req-17 "$plaudit" --as a001 programs apply \
  -f examples/programs/csat-leave-day.yaml >/dev/null 2>&1; then
  fail "an agent applied a program"
fi
# The employee of the month's leave credit is delivered without approval.
for _ in $(seq 1 100); do
  [[ $(sqlite3 "$data/plaudit.db" "SELECT COUNT(*) FROM fulfilments WHERE state = 'fulfilled'") -ge 1 ]] && break
  sleep 0.1
done

get /metrics >"$work/metrics.txt"
[[ $(head -1 "$work/metrics.txt") == 200 ]] || fail "/metrics: $(head -3 "$work/metrics.txt")"
"$python" - "$work/metrics.txt" "$stored" <<'PY' || fail "the metrics do not hold what was done"
import sys
from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1]).read().split("\n", 1)[1]
stored = int(sys.argv[2])
families = {f.name: f for f in text_string_to_metric_families(text)}
problems = []

def samples(family, suffix=""):
    if family not in families:
        problems.append(f"no {family}")
        return []
    return [s for s in families[family].samples if s.name == family + suffix]

def value(family, suffix="", **labels):
    found = [s.value for s in samples(family, suffix)
             if all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found) if found else None

def expect(what, got, ok):
    if got is None or not ok(got):
        problems.append(f"{what}: {got}")

# The parser gives counters without their _total suffix.
assert families["plaudit_rpc_requests"].type == "counter"
expect("events stored", value("plaudit_events_ingested", "_total", outcome="stored"),
       lambda v: v == stored)
expect("events rejected", value("plaudit_events_ingested", "_total", outcome="rejected"),
       lambda v: v == 1)
expect("import streams answered OK",
       value("plaudit_rpc_requests", "_total", method="plaudit.v1.MetricService/StreamEvents", code="OK"),
       lambda v: v >= 2)
expect("calls refused", value("plaudit_rpc_requests", "_total", code="PERMISSION_DENIED"),
       lambda v: v >= 1)
expect("latency counted",
       value("plaudit_rpc_duration_seconds", "_count", method="plaudit.v1.MetricService/StreamEvents"),
       lambda v: v >= 2)
buckets = [s for s in samples("plaudit_rpc_duration_seconds", "_bucket")
           if s.labels["method"] == "plaudit.v1.MetricService/StreamEvents"]
counts = [s.value for s in sorted(buckets, key=lambda s: float(s.labels["le"]))]
if counts != sorted(counts) or buckets[-1].labels["le"] != "+Inf":
    problems.append(f"buckets not cumulative up to +Inf: {counts}")
expect("standings evaluated",
       value("plaudit_standings_evaluation_seconds", "_count", program="employee-of-the-month"),
       lambda v: v >= 1)
expect("leave credited",
       value("plaudit_fulfilment_calls", "_total", plugin="leave_credit", kind="fulfil", outcome="fulfilled"),
       lambda v: v >= 1)
expect("rewards awaiting approval", value("plaudit_fulfilment_queue", state="waiting"),
       lambda v: v == 3)
expect("oldest pending", value("plaudit_fulfilment_oldest_pending_seconds"), lambda v: v >= 0)
expect("leases held (none on the embedded store)", value("plaudit_fulfilment_leases_held"), lambda v: v == 0)
expect("the leave budget", value("plaudit_budget_amount", program="csat-leave-day", period="2026-10"),
       lambda v: v == 16)
expect("leave reserved",
       value("plaudit_budget_used", program="csat-leave-day", period="2026-10", state="reserved"),
       lambda v: v == 0)
expect("store writes", value("plaudit_store_writes", "_total"), lambda v: v >= 1)
expect("idle readers", value("plaudit_store_readers", state="idle"), lambda v: v >= 1)
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
PY

# Another replica migrated the database past this plauditd: not ready, and says why.
sqlite3 "$data/plaudit.db" "UPDATE schema_version SET version = version + 1"
ready=$(get /readyz)
[[ $(head -1 <<<"$ready") == 503 ]] || fail "/readyz with a newer schema: $ready"
expect_contains "$ready" "the database schema is version" "/readyz names the problem"
[[ $(get /healthz) == $'200\nok' ]] || fail "/healthz must stay up: $(get /healthz)"
sqlite3 "$data/plaudit.db" "UPDATE schema_version SET version = version - 1"
[[ $(get /readyz) == $'200\nready' ]] || fail "/readyz after the schema is back: $(get /readyz)"

# SIGTERM with drain_ms: /readyz turns 503 at once, calls are still taken while the balancers
# notice, and a second signal ends the wait (drain_ms is a minute here).
stopping_at=$SECONDS
kill -TERM "$server_pid"
for _ in $(seq 1 100); do
  [[ $(get /readyz | head -1) == 503 ]] && break
  sleep 0.1
done
ready=$(get /readyz)
[[ $(head -1 <<<"$ready") == 503 ]] || fail "/readyz while draining: $ready"
expect_contains "$ready" "plauditd is shutting down" "/readyz says why while draining"
"$plaudit" plugins list >/dev/null || fail "a call while draining was refused"
kill -0 "$server_pid" || fail "plauditd stopped before drain_ms"
kill -TERM "$server_pid"
wait "$server_pid" || fail "plauditd did not stop cleanly after a second signal"
server_pid=
((SECONDS - stopping_at < 30)) || fail "the second signal did not end the drain"

# Every line plauditd logged is a JSON object with its time, level, component and message: up to
# its last line, "stopped" (a sanitizer's report may follow when the process exits).
grep -q '"component":"server","msg":"stopped"' "$work/plauditd.log" || fail "no line says plauditd stopped"
sed '/"component":"server","msg":"stopped"/q' "$work/plauditd.log" >"$work/plauditd.jsonl"
"$python" - "$work/plauditd.jsonl" <<'PY' || fail "a log line is not a JSON object"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 3, lines
for line in lines:
    entry = json.loads(line)
    assert {"time", "level", "component", "msg"} <= entry.keys(), line
    assert entry["level"] in ("info", "warning", "error"), line
PY
expect_contains "$(cat "$work/plauditd.log")" '"msg":"metrics, health and readiness on http://127.0.0.1:' \
  "the listener is announced"
# The refused call's line names the command's request id and who called.
"$python" - "$work/plauditd.jsonl" <<'PY' || fail "no line for the refused call with its request id"
import json, sys
refused = [e for e in map(json.loads, open(sys.argv[1]).read().splitlines())
           if e["component"] == "access" and "ApplyProgram refused" in e["msg"]]
assert refused, "no refusal logged"
assert refused[0].get("request_id") == "ops-req-17", refused[0]
assert refused[0].get("subject") == "a001", refused[0]
PY

# Metrics for other hosts need tls.
set +e
"$plauditd" --listen "127.0.0.1:$(pick_port)" --data-dir "$work/other" --metrics-listen "0.0.0.0:$mport" \
  --plugin-dir "$build/plugins" >"$work/refused.log" 2>&1
rc=$?
set -e
((rc == 1)) || fail "a non-loopback metrics listener without tls must exit 1, got $rc"
expect_contains "$(cat "$work/refused.log")" "metrics_listen: 0.0.0.0:$mport is not a loopback address" \
  "the refusal names the setting"
echo "operations: 1 passed, 0 failed"
