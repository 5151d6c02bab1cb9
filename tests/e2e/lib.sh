# Shared by the end-to-end tests: a scratch directory, a plauditd on a free loopback port that is
# always stopped, and small assertions. Source it; needs PLAUDIT_BUILD_DIR and PLAUDIT_SOURCE_DIR.
set -euo pipefail

build=${PLAUDIT_BUILD_DIR:?}
src=${PLAUDIT_SOURCE_DIR:?}
plauditd=$build/bin/plauditd
plaudit=$build/bin/plaudit
work=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-e2e-XXXXXX")
server_pid=

vendor_sandbox_pid=
dev_provider_pid=
# cleanup [STATUS]: a script's own EXIT trap that does more first passes the status it began with.
cleanup() {
  local status=${1:-$?}
  # A step that failed under `set -e` (not through fail) still leaves the servers' last words.
  if ((status != 0)) && [[ -z ${failed_with_log:-} ]]; then
    for log in "$work"/plauditd*.log; do
      [[ -f $log ]] || continue
      echo "--- $(basename "$log") (tail) ---" >&2
      tail -n 30 "$log" >&2
    done
  fi
  if [[ -n $dev_provider_pid ]]; then
    kill -TERM "$dev_provider_pid" 2>/dev/null || true
    wait "$dev_provider_pid" 2>/dev/null || true
  fi
  if [[ -n $vendor_sandbox_pid ]]; then
    kill -TERM "$vendor_sandbox_pid" 2>/dev/null || true
    wait "$vendor_sandbox_pid" 2>/dev/null || true
  fi
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  if [[ -f $work/plauditd.log ]]; then
    echo "--- plauditd log (tail) ---" >&2
    tail -n 30 "$work/plauditd.log" >&2
    failed_with_log=1
  fi
  exit 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local port
  for ((port = 20000 + RANDOM % 20000; ; port++)); do
    port_in_use "$port" || { echo "$port"; return; }
  done
}

# start_server DATA_DIR: starts plauditd and waits until it answers.
start_server() {
  local data=$1
  port=${port:-$(pick_port)}
  export PLAUDIT_SERVER=127.0.0.1:$port
  "$plauditd" --listen "$PLAUDIT_SERVER" --data-dir "$data" --plugin-dir "${PLUGIN_DIR:-$build/plugins}" \
    ${PLAUDITD_CONFIG:+--config "$PLAUDITD_CONFIG"} >>"$work/plauditd.log" 2>&1 &
  server_pid=$!
  # Up to a minute: plugins are tried before plauditd serves, each for up to
  # plugin_start_timeout_ms, and slowly under the sanitizers.
  for _ in $(seq 1 600); do
    if "$plaudit" plugins list >/dev/null 2>&1; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || fail "plauditd exited at start"
    sleep 0.1
  done
  fail "plauditd did not answer on $PLAUDIT_SERVER"
}

# start_secure_server DATA: plauditd as it runs for real, over TLS and checking OpenID Connect
# tokens from plaudit-dev-issuer (its directory is $issuer), with $PLAUDITD_CONFIG's settings
# too. The CLI then calls as ops-lead, an admin, unless as_user says otherwise.
issuer=$work/issuer
start_secure_server() {
  local data=$1 config=$work/secure-plauditd.yaml
  [[ -f $issuer/signing-key.pem ]] || "$build/bin/plaudit-dev-issuer" init "$issuer" >/dev/null
  {
    if [[ -n ${PLAUDITD_CONFIG:-} ]]; then cat "$PLAUDITD_CONFIG"; fi
    printf 'tls: {cert_file: %s, key_file: %s}\n' "$issuer/tls/server.pem" "$issuer/tls/server.key"
    printf 'auth: {issuer: "%s", audience: plaudit, jwks_file: %s}\n' \
      "$(cat "$issuer/issuer.txt")" "$issuer/jwks.json"
  } >"$config"
  port=${port:-$(pick_port)}
  export PLAUDIT_SERVER=https://127.0.0.1:$port PLAUDIT_CA_FILE=$issuer/tls/ca.pem
  PLAUDIT_TOKEN=$(mint_token ops-lead admin)
  export PLAUDIT_TOKEN
  "$plauditd" --listen "127.0.0.1:$port" --data-dir "$data" --plugin-dir "${PLUGIN_DIR:-$build/plugins}" \
    --config "$config" >>"$work/plauditd.log" 2>&1 &
  server_pid=$!
  # Up to a minute: plugins are tried before plauditd serves, each for up to
  # plugin_start_timeout_ms, and slowly under the sanitizers.
  for _ in $(seq 1 600); do
    if "$plaudit" plugins list >/dev/null 2>&1; then return 0; fi
    kill -0 "$server_pid" 2>/dev/null || fail "plauditd exited at start"
    sleep 0.1
  done
  fail "plauditd did not answer on $PLAUDIT_SERVER"
}
# mint_token SUBJECT ROLES [TEAMS]: a token from the dev issuer (roles and teams comma-separated).
mint_token() {
  "$build/bin/plaudit-dev-issuer" mint --dir "$issuer" --sub "$1" --roles "$2" ${3:+--teams "$3"}
}
# as_user SUBJECT ROLES COMMAND ARGS...: COMMAND with SUBJECT's token.
as_user() {
  local subject=$1 roles=$2
  shift 2
  PLAUDIT_TOKEN=$(mint_token "$subject" "$roles") "$@"
}

# exit_status_of OUTPUT_FILE COMMAND ARGS...: runs COMMAND to its end (60 s at most) with its
# output in OUTPUT_FILE, and prints its exit status.
exit_status_of() {
  local out=$1
  shift
  set +e
  timeout 60 "$@" >"$out" 2>&1
  echo $?
  set -e
}

# run_plauditd OUTPUT_FILE ARGS...: plauditd run to its end (it must refuse to start).
run_plauditd() { exit_status_of "$1" "$plauditd" "${@:2}"; }
# run_plaudit OUTPUT_FILE ARGS...: one plaudit command.
run_plaudit() { exit_status_of "$1" "$plaudit" "${@:2}"; }

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || fail "plauditd did not stop cleanly"
  server_pid=
}

kill9_server() {
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# expect_contains TEXT NEEDLE WHAT
expect_contains() {
  [[ $1 == *"$2"* ]] || fail "$3: expected to find '$2' in: $1"
}

# json_eval JSON PYTHON_EXPR: prints the expression evaluated on the parsed JSON as `d`.
json_eval() {
  python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$2" <<<"$1"
}

# start_vendor_sandbox API_KEY [FLAG...]: the gift-card vendor's stand-in on a free loopback port
# (with the sandbox's other flags: faults, callbacks, ...), stopped when the script ends; sets
# `sandbox` to its HOST:PORT.
start_vendor_sandbox() {
  "$build/bin/vendor_sandbox" --port 0 --api-key "$1" "${@:2}" >"$work/sandbox.out" 2>&1 &
  vendor_sandbox_pid=$!
  for _ in $(seq 1 100); do
    [[ $(head -n 1 "$work/sandbox.out" 2>/dev/null) == "listening on 127.0.0.1:"* ]] && break
    sleep 0.05
  done
  sandbox=$(head -n 1 "$work/sandbox.out" 2>/dev/null || true)
  [[ $sandbox == "listening on 127.0.0.1:"* ]] || fail "vendor_sandbox did not start"
  sandbox=${sandbox#listening on }
}

# sandbox_control METHOD PATH [BODY]: a call to the started sandbox's /v1/_ controls (they need
# no key); prints the answer.
sandbox_control() {
  python3 -c '
import sys, urllib.request
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
request = urllib.request.Request(sys.argv[2], data=data, method=sys.argv[1])
print(urllib.request.urlopen(request, timeout=30).read().decode())
' "$1" "http://$sandbox$2" "${@:3}"
}

# The chaos tests' vendor faults (start_vendor_sandbox ... --seed N "${chaos_fault_flags[@]}"),
# drawn per request from the sandbox's seeded generator: a fifth of requests are slow; some
# fail with 503, some are rate-limited with Retry-After, some connections drop unanswered; some
# orders are placed but never answered (closed at once, or held past the plugin's timeout); every
# card of the async brand (cinema) stays processing for a while; a few orders fail at the vendor;
# a third of status changes are never reported (no event, no callback).
chaos_faults=(
  '{"type":"latency","ratio":0.2,"latency_ms":250}'
  '{"type":"error","ratio":0.06,"status":503}'
  '{"type":"rate_limit","ratio":0.04,"retry_after_s":1}'
  '{"type":"drop_connection","ratio":0.02}'
  '{"type":"record_then_close","method":"POST","path":"/v1/orders","ratio":0.05}'
  '{"type":"record_then_hang","method":"POST","path":"/v1/orders","ratio":0.03,"hang_ms":2500}'
  '{"type":"order_status","method":"POST","path":"/v1/orders","ratio":0.03,"order_status":"failed"}'
  '{"type":"drop_events","ratio":0.33}'
)
chaos_fault_flags=()
for fault in "${chaos_faults[@]}"; do chaos_fault_flags+=(--fault "$fault"); done

# start_dev_provider ISSUER_DIR: `plaudit-dev-issuer serve`, the dev issuer as an OpenID Connect
# provider, on the port of its http://127.0.0.1:PORT issuer URL; stopped when the script ends.
start_dev_provider() {
  "$build/bin/plaudit-dev-issuer" serve --dir "$1" >"$work/provider.out" 2>&1 &
  dev_provider_pid=$!
  for _ in $(seq 1 100); do
    [[ $(head -n 1 "$work/provider.out" 2>/dev/null) == "serving http://"* ]] && return 0
    kill -0 "$dev_provider_pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "plaudit-dev-issuer serve did not start: $(cat "$work/provider.out")"
}

# For the metric sources' tests. summary_of AGENT: the agent's October 2026 metrics summary (JSON).
summary_of() {
  "$plaudit" metrics summary --period 2026-10 --time-zone UTC --agent "$1" -o json
}
# metric SUMMARY METRIC FIELD: the sum of FIELD (samples, sum) over the summary's rows of METRIC.
metric() { json_eval "$1" "sum(r['$3'] for r in d if r['metric'] == '$2')"; }
# expect_leader PROGRAM METRIC DIRECTION AGENT WHY: applies a monthly program scoring METRIC's mean
# alone (DIRECTION higher_is_better or lower_is_better), and checks that AGENT wins October 2026.
expect_leader() {
  local program=$1 metric=$2 direction=$3 agent=$4 why=$5
  cat >"$work/$program.yaml" <<YAML
id: $program
name: $program
cadence: monthly
time_zone: UTC
scorecard:
  normalization: percentile
  metrics:
    - {metric: $metric, aggregation: mean, direction: $direction, weight: 1}
award: {rule: top_n, n: 1, rewards: [{type: certificate}]}
YAML
  "$plaudit" programs apply -f "$work/$program.yaml" >/dev/null
  local board
  board=$("$plaudit" awards evaluate "$program" --period 2026-10 --dry-run -o json)
  [[ $(json_eval "$board" 'd["awards"][0]["agent_id"]') == "$agent" ]] || fail "$why: $board"
}
