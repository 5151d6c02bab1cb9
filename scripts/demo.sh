#!/usr/bin/env bash
# A guided tour of Plaudit on the sample contact centre in examples/: starts plauditd on a free
# loopback port with a fresh data directory, imports agents and a month of events (and a file of
# bad events, to show how they are reported), applies the Employee of the Month program, decides
# October 2026, waits for the rewards to be fulfilled and lists the certificates. Then a program
# with a manager's approval and a leave budget, and one whose winners get a gift card ordered
# from the vendor sandbox (started beside plauditd), a parking spot and an announcement in the
# team chat (a webhook sink started beside plauditd stands in for the chat service).
#
# plauditd runs as it would for real: over TLS, with every caller proving who they are by an
# OpenID Connect token. plaudit-dev-issuer stands in for the company's identity provider: it
# makes the TLS certificates and mints the tokens of an admin (ops-lead), a manager (team-lead)
# and agents. The tour ends with a winner reading their gift-card code, another agent refused,
# and the audit trail verified.
#
# Usage: [STORE=sqlite|postgres] scripts/demo.sh [BUILD_DIR]
#        (BUILD_DIR defaults to build; `make demo` runs this, `make demo STORE=postgres` with STORE)
#
# STORE picks where plauditd keeps its data: sqlite (the default) is the embedded database in the
# data directory; postgres starts a throw-away PostgreSQL cluster on loopback with
# scripts/test-postgres.sh and gives plauditd a `store:` block pointing at it.
#
# The server, the sandbox, the sink and the PostgreSQL cluster are stopped when the script ends,
# however it ends (KEEP=1 leaves the server and the cluster running, and prints how to stop them).
# The data directory is kept, so the certificates can be opened afterwards; the script prints
# where it is. The cluster's directory, and the database in it, is removed when it stops.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

store=${STORE:-sqlite}
if [[ $store != sqlite && $store != postgres ]]; then
  echo "demo: STORE=$store is not a store plauditd knows; use STORE=sqlite (the default) or" \
    "STORE=postgres" >&2
  exit 2
fi

build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "demo: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
plauditd_bin=$build/bin/plauditd
plaudit_bin=$build/bin/plaudit
sandbox_bin=$build/bin/vendor_sandbox
sink_bin=$build/bin/webhook_sink
issuer_bin=$build/bin/plaudit-dev-issuer
for bin in "$plauditd_bin" "$plaudit_bin" "$sandbox_bin" "$sink_bin" "$issuer_bin"; do
  if [[ ! -x $bin ]]; then
    echo "demo: $bin is missing; run 'make build' first" >&2
    exit 1
  fi
done

program=employee-of-the-month
period=2026-10

if [[ -t 1 ]]; then
  bold=$'\033[1m' plain=$'\033[0m'
else
  bold='' plain=''
fi

step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '   %s\n' "$@"; }

script_name=demo
# shellcheck source=lib/plauditd.sh
source scripts/lib/plauditd.sh
data_dir=
# With STORE=postgres: the cluster's directory (scripts/test-postgres.sh), while it runs.
pg_dir=

sandbox_pid=
sink_pid=
provider_pid=
# Stops the PostgreSQL cluster, after plauditd (which would otherwise lose its database mid-call).
stop_postgres() {
  if [[ -n $pg_dir ]]; then
    bash scripts/test-postgres.sh stop "$pg_dir" ||
      echo "demo: could not stop the PostgreSQL cluster in $pg_dir" >&2
    pg_dir=
  fi
}
# Stops a helper started by this script, by its pid.
stop_helper() {
  if [[ -n $1 ]]; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
on_exit() {
  local status=$?
  stop_server
  stop_helper "$sandbox_pid"
  stop_helper "$sink_pid"
  stop_helper "$provider_pid"
  stop_postgres
  if ((status != 0)) && [[ -n $data_dir ]]; then
    echo "demo: failed; the server log and data are in $data_dir" >&2
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log_tail() {
  echo "---- last lines of $data_dir/plauditd.log ----" >&2
  tail -n 40 "$data_dir/plauditd.log" >&2 || true
  echo "----" >&2
}

# --- start the server -------------------------------------------------------------------------

port=$(free_port) || { echo "demo: no free port in 50051-50350 on 127.0.0.1" >&2; exit 1; }
data_dir=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-demo.XXXXXX")
issuer=$data_dir/issuer
export PLAUDIT_SERVER=https://127.0.0.1:$port PLAUDIT_CA_FILE=$issuer/tls/ca.pem

plaudit() { "$plaudit_bin" --server "$PLAUDIT_SERVER" "$@"; }
run() {
  printf '$ plaudit %s\n' "$*"
  plaudit "$@"
}
# run_as NAME ARGS...: one command with NAME's token (minted below) instead of the admin's.
run_as() {
  local name=$1
  shift
  printf '$ PLAUDIT_TOKEN=<%s> plaudit %s\n' "$name" "$*"
  PLAUDIT_TOKEN=${tokens[$name]} plaudit "$@"
}
declare -A tokens=()
# Like run, and keeps the output in $out.
capture() {
  printf '$ plaudit %s\n' "$*"
  out=$(plaudit "$@")
  printf '%s\n' "$out"
}
# The number after "imported" in an import summary, or "?".
imported_count() {
  if [[ $1 =~ imported\ ([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo '?'; fi
}

# The address a helper started with --port 0 prints as its first line ("listening on ADDR"),
# once it is listening; fails when the helper (pid $1, output in $2) exits or stays silent.
listening_address() {
  local pid=$1 out=$2 line=
  for _ in $(seq 1 100); do
    line=$(head -n 1 "$out" 2>/dev/null || true)
    if [[ $line == "listening on 127.0.0.1:"* ]]; then
      echo "${line#listening on }"
      return 0
    fi
    alive "$pid" || return 1
    sleep 0.05
  done
  return 1
}

step "An identity provider for the demo: plaudit-dev-issuer"
issuer_port=$port
while [[ $issuer_port == "$port" ]] || port_in_use "$issuer_port"; do
  issuer_port=$((issuer_port + 1))
done
"$issuer_bin" init "$issuer" --issuer "http://127.0.0.1:$issuer_port" >/dev/null
"$issuer_bin" serve --dir "$issuer" >"$data_dir/provider.out" 2>&1 &
provider_pid=$!
for _ in $(seq 1 100); do
  [[ $(head -n 1 "$data_dir/provider.out" 2>/dev/null) == "serving http://"* ]] && break
  alive "$provider_pid" || break
  sleep 0.05
done
[[ $(head -n 1 "$data_dir/provider.out" 2>/dev/null) == "serving http://"* ]] ||
  { echo "demo: plaudit-dev-issuer serve did not start: $(cat "$data_dir/provider.out")" >&2; exit 1; }
note "Signing key and JWKS in $issuer; TLS certificates for localhost signed by its dev CA;" \
  "the issuer's sign-in (OpenID Connect) on http://127.0.0.1:$issuer_port."
mint() { "$issuer_bin" mint --dir "$issuer" --ttl 2h "$@"; }
tokens[ops-lead]=$(mint --sub ops-lead --roles admin)
tokens[team-lead]=$(mint --sub team-lead --roles manager)
# Everything below runs as the admin unless run_as names someone else.
export PLAUDIT_TOKEN=${tokens[ops-lead]}
note "Tokens minted: ops-lead (admin), team-lead (manager); agents' tokens come later."

step "Starting the gift-card vendor sandbox and a team-chat webhook"
export PLAUDIT_GIFT_CARD_API_KEY=demo-sandbox-key
"$sandbox_bin" --port 0 --api-key "$PLAUDIT_GIFT_CARD_API_KEY" --balance EUR=500 \
  >"$data_dir/sandbox.out" 2>"$data_dir/sandbox.log" &
sandbox_pid=$!
sandbox_address=$(listening_address "$sandbox_pid" "$data_dir/sandbox.out") ||
  { echo "demo: the vendor sandbox did not start" >&2; exit 1; }
note "A stand-in for a gift-card vendor's REST API on $sandbox_address (500 EUR on account)."
"$sink_bin" --port 0 >"$data_dir/sink.out" 2>"$data_dir/sink.log" &
sink_pid=$!
sink_address=$(listening_address "$sink_pid" "$data_dir/sink.out") ||
  { echo "demo: the webhook sink did not start" >&2; exit 1; }
note "A stand-in for a team chat's incoming webhook on $sink_address."
# The example configuration, with the gift_card plugin pointed at the sandbox and the announce
# plugin at the sink.
cp examples/plauditd.yaml "$data_dir/plauditd.yaml"
printf '  gift_card: {base_url: "http://%s"}\n' "$sandbox_address" >>"$data_dir/plauditd.yaml"
printf '  announce: {webhook_url: "http://%s/hooks/team-chat"}\n' "$sink_address" \
  >>"$data_dir/plauditd.yaml"
# TLS, and tokens from the dev issuer: without them plauditd would trust every caller.
web_port=$port
while [[ $web_port == "$port" || $web_port == "$issuer_port" ]] || port_in_use "$web_port"; do
  web_port=$((web_port + 1))
done
cat >>"$data_dir/plauditd.yaml" <<YAML
web:
  listen: "127.0.0.1:$web_port"
  sign_in: {client_id: plaudit-web, public_url: "https://localhost:$web_port"}
tls: {cert_file: issuer/tls/server.pem, key_file: issuer/tls/server.key}
auth:
  issuer: $(cat "$issuer/issuer.txt")
  audience: plaudit
  jwks_file: issuer/jwks.json
YAML

if [[ $store == postgres ]]; then
  step "A throw-away PostgreSQL cluster for plauditd's data"
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-demo-pg.XXXXXX")
  printf '$ scripts/test-postgres.sh start %s\n' "$pg_dir"
  dsn=$(bash scripts/test-postgres.sh start "$pg_dir") ||
    { echo "demo: could not start PostgreSQL (scripts/test-postgres.sh start)" >&2; exit 1; }
  printf 'store: {driver: postgres, dsn: "%s", pool_size: 8}\n' "$dsn" >>"$data_dir/plauditd.yaml"
  note "PostgreSQL 15 listening on loopback only, cluster in $pg_dir; plauditd's config gets" \
    "store: {driver: postgres, dsn: \"$dsn\", pool_size: 8}"
  store_line="PostgreSQL at $dsn (removed with its cluster when the demo ends)"
else
  store_line="the embedded SQLite database in $data_dir"
fi

step "Starting plauditd on $PLAUDIT_SERVER (data in $data_dir)"
note "The tour runs on $store_line."
"$plauditd_bin" --config "$data_dir/plauditd.yaml" --listen "127.0.0.1:$port" \
  --data-dir "$data_dir" --plugin-dir "$build/plugins" >"$data_dir/plauditd.log" 2>&1 &
server_pid=$!

deadline=$((SECONDS + 15))
until timeout 5 "$plaudit_bin" --server "$PLAUDIT_SERVER" plugins list >/dev/null 2>&1; do
  if ! alive "$server_pid"; then
    echo "demo: plauditd exited during start-up" >&2
    show_log_tail
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "demo: plauditd is not answering on $PLAUDIT_SERVER after 15 s" >&2
    show_log_tail
    exit 1
  fi
  sleep 0.25
done
note "plauditd is up (pid $server_pid), over TLS, checking every caller's token."
run auth whoami
printf '$ PLAUDIT_TOKEN= plaudit agents list\n'
if PLAUDIT_TOKEN= plaudit agents list; then
  echo "demo: a call without a token was served" >&2
  exit 1
fi
note "Refused: no token, no answer."

# --- the sample contact centre ----------------------------------------------------------------

step "Loaded plugins: metric sources and reward fulfilment"
run plugins list

step "Import the agents of the sample contact centre"
capture agents import examples/agents.csv
agents_imported=$(imported_count "$out")

step "The first agents"
printf '$ plaudit agents list | head\n'
out=$(plaudit agents list)
total_lines=$(wc -l <<<"$out")
sed -n '1,13p' <<<"$out"
if ((total_lines > 13)); then note "... ($((total_lines - 13)) more lines)"; fi

step "Import a month of events (October 2026)"
capture metrics import examples/events-2026-10.csv
events_imported=$(imported_count "$out")

step "Import a file with bad rows"
note "events-bad.csv mixes good rows with an unknown agent, an unknown metric, a CSAT of 7," \
  "values that are not numbers, bad timestamps, a short row, an event id reused with different" \
  "content, and an exact copy of an event already imported."
printf '$ plaudit %s\n' "metrics import examples/events-bad.csv"
if plaudit metrics import examples/events-bad.csv; then
  bad_status=0
else
  bad_status=$?
fi
if ((bad_status != 1)); then
  echo "demo: expected 'metrics import' of events-bad.csv to exit with status 1 (rows rejected)," \
    "it exited with $bad_status" >&2
  exit 1
fi
note "Exit status 1: each bad row is reported with its reason, nothing is dropped silently;" \
  "the good rows were kept and the exact copy was counted as a duplicate."

step "Apply the Employee of the Month program"
note "examples/programs/employee-of-the-month.yaml: one winner per channel; CSAT, handle time" \
  "and follow-ups resolved; at least 30 days in the job; no more than 2 complaints."
run programs apply -f examples/programs/employee-of-the-month.yaml

step "Decide $period: the leaderboard and the awards"
note "The ten best ranks; the line under them names the next page (--around AGENT: an agent's neighbours)."
run awards evaluate "$program" --period "$period" --top 10

# --- fulfilment -------------------------------------------------------------------------------

# Prints one line per fulfilment: state, award id and artifact, tab-separated, found by the
# column names of `fulfilments list -o csv`.
fulfilment_rows() {
  plaudit fulfilments list -o csv | awk '
    function split_csv(line, out,    n, i, c, field, quoted) {
      n = 0; field = ""; quoted = 0
      for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (quoted) {
          if (c == "\"") {
            if (substr(line, i + 1, 1) == "\"") { field = field c; i++ } else quoted = 0
          } else field = field c
        } else if (c == "\"") quoted = 1
        else if (c == ",") { out[++n] = field; field = "" }
        else field = field c
      }
      out[++n] = field
      return n
    }
    { sub(/\r$/, "") }
    NR == 1 { n = split_csv($0, head); for (i = 1; i <= n; i++) col[head[i]] = i; next }
    $0 != "" { split_csv($0, f); print f[col["state"]] "\t" f[col["award_id"]] "\t" f[col["artifact"]] }'
}

step "Fulfilling the rewards"
deadline=$((SECONDS + 20))
while :; do
  rows=$(fulfilment_rows)
  pending=0
  while IFS=$'\t' read -r state _ _; do
    if [[ $state == pending ]]; then pending=$((pending + 1)); fi
  done <<<"$rows"
  if ((pending == 0)); then break; fi
  if ((SECONDS >= deadline)); then
    note "warning: $pending fulfilment(s) still pending after 20 s"
    break
  fi
  sleep 0.5
done
run fulfilments list

fulfilments=0 failed=0 certificates=0
declare -A awards=()
pdfs=()
while IFS=$'\t' read -r state award artifact; do
  if [[ -z $state ]]; then continue; fi
  fulfilments=$((fulfilments + 1))
  if [[ -n $award ]]; then awards[$award]=1; fi
  if [[ $state == failed ]]; then failed=$((failed + 1)); fi
  if [[ $artifact == *.pdf ]]; then
    if [[ $artifact != /* && ! -e $artifact && -e $data_dir/$artifact ]]; then
      artifact=$data_dir/$artifact
    fi
    pdfs+=("$artifact")
  fi
done <<<"$rows"
if ((failed > 0)); then note "warning: $failed fulfilment(s) failed; the error column above says why"; fi

echo
# The paths are in the artifact column above; say only whether the files are there.
missing=()
for pdf in "${pdfs[@]}"; do
  if [[ -f $pdf ]]; then
    certificates=$((certificates + 1))
  else
    missing+=("$pdf")
  fi
done
if ((${#pdfs[@]} == 0)); then
  note "No certificate was written: is the certificate plugin in $build/plugins?"
else
  note "$certificates certificate PDFs written (the artifact column above); open one with" \
    "xdg-open ${pdfs[0]}"
fi
for pdf in "${missing[@]}"; do note "warning: $pdf is missing"; done

step "Decide $period again"
note "The decision is already recorded, so the same awards come back and no reward is given twice."
printf '$ plaudit awards evaluate %s --period %s -o json\n' "$program" "$period"
plaudit awards evaluate "$program" --period "$period" -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("   %d awards, %s" % (len(d["awards"]), "newly decided" if d["newly_committed"] else
      "returned as stored: " + ", ".join(a["id"] + " " + a["state"] for a in d["awards"])))'
after=$(fulfilment_rows | awk 'NF > 0' | wc -l)
if ((after != fulfilments)); then
  echo "demo: evaluating again changed the fulfilments ($fulfilments before, $after after)" >&2
  exit 1
fi
note "Still $after fulfilments."

step "A program with a manager's approval and a budget of 16 hours of leave"
note "CSAT Leave Day offers a day off to the 3 best CSAT averages; team-lead, whose token says"
note "manager, approves. Two days fit the budget; the third approval is left over_budget."
run programs apply -f examples/programs/csat-leave-day.yaml
leave_awards=($(plaudit awards evaluate csat-leave-day --period "$period" -o json |
  python3 -c 'import json,sys; print(" ".join(a["id"] for a in json.load(sys.stdin)["awards"]))'))
run awards list --program csat-leave-day
for id in "${leave_awards[@]}"; do
  if run_as team-lead awards approve "$id"; then
    approve_status=0
  else
    approve_status=$?
  fi
  if ((approve_status == 3)); then
    note "Exit status 3: approved, but the budget cannot take it; it waits as over_budget."
  elif ((approve_status != 0)); then
    echo "demo: approving $id exited with $approve_status" >&2
    exit 1
  fi
done
run budgets show csat-leave-day --period "$period"
run awards history "${leave_awards[0]}"

step "Customer Hero: a gift card from the vendor, a parking spot and a shout-out in the team chat"
note "examples/programs/customer-hero.yaml with an announce reward added: the two best CSAT"
note "averages are congratulated in the team chat too."
sed 's/^  rewards:$/  rewards:\n    - {type: announce, value: 0}/' examples/programs/customer-hero.yaml \
  >"$data_dir/customer-hero.yaml"
grep -q 'type: announce' "$data_dir/customer-hero.yaml" ||
  { echo "demo: could not add the announce reward to customer-hero.yaml" >&2; exit 1; }
run programs apply -f "$data_dir/customer-hero.yaml"
run awards evaluate customer-hero --period "$period" --top 5
hero_states=
for _ in $(seq 1 150); do
  hero_states=$(plaudit fulfilments list -o csv | awk -F, '$2 ~ /^customer-hero\./ { print $5 }' |
    sort -u | tr '\n' ' ')
  [[ $hero_states == "fulfilled " ]] && break
  sleep 0.2
done
if [[ $hero_states != "fulfilled " ]]; then
  echo "demo: the Customer Hero rewards were not all fulfilled (states: $hero_states)" >&2
  show_log_tail
  exit 1
fi
printf '$ plaudit fulfilments list | grep customer-hero\n'
plaudit fulfilments list | awk 'NR == 1 || /^customer-hero\./' 
note "The redemption codes stay with the plugin, sealed in the database: only the recipient may"
note "read one, with their own token; the artifact names the order, not the code."
hero=$(plaudit fulfilments list -o json | python3 -c '
import json, sys
rows = [f for f in json.load(sys.stdin) if f["award_id"].startswith("customer-hero.") and f["type"] == "gift_card"]
print(" ".join(f["id"] + "," + f["agent_id"] for f in rows[:2]))')
read -r first second <<<"$hero"
hero_agent=${first#*,}
other_agent=${second#*,}
hero_key=$(plaudit fulfilments show "${first%,*}" -o json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["fulfilment"]["idempotency_key"])')
tokens[$hero_agent]=$(mint --sub "$hero_agent" --roles agent)
tokens[$other_agent]=$(mint --sub "$other_agent" --roles agent)
run_as "$hero_agent" auth whoami
run_as "$hero_agent" rewards code "$hero_key"
if run_as "$other_agent" rewards code "$hero_key"; then
  echo "demo: another agent read $hero_agent's gift-card code" >&2
  exit 1
fi
note "Refused: the code is $hero_agent's alone (an admin is refused too)."

echo
echo "What the team chat received, one line per post:"
python3 - "http://$sink_address/_received" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as answer:
    posts = json.load(answer)["received"]
if not posts:
    print("   (nothing)")
for post in posts:
    text = json.loads(post["body"]).get("text", post["body"])
    print("   " + " / ".join(line for line in text.splitlines() if line))
PY
run parking calendar --month 2026-11
run leave balances
run budgets show customer-hero --period "$period"

step "The audit trail: every change and every code read, chained"
printf '$ plaudit audit list | tail -n 6\n'
plaudit audit list | tail -n 6
run audit verify

if [[ $store == postgres ]] && command -v psql >/dev/null; then
  step "What PostgreSQL holds"
  counts="SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM awards) AS awards,"
  counts+=" (SELECT COUNT(*) FROM fulfilments) AS fulfilments,"
  counts+=" (SELECT COUNT(*) FROM audit_log) AS audit_records"
  printf '$ psql %s -c "%s"\n' "$dsn" "$counts"
  psql "$dsn" -X -P footer=off -c "$counts"
  note "Every replica started with the same store: block (and the same secrets and audit keys)" \
    "would serve these rows; see examples/deployment/."
fi

step "The web pages"
web=https://localhost:$web_port
grep -q "pages on https://127.0.0.1:$web_port" "$data_dir/plauditd.log" ||
  { echo "demo: plauditd did not start its pages listener" >&2; show_log_tail; exit 1; }
wall_token=$(mint --sub lobby-tv --roles display)
printf '%s\n' "${tokens[$hero_agent]}" >"$data_dir/agent.token"
printf '%s\n' "${tokens[team-lead]}" >"$data_dir/manager.token"
note "plauditd serves them on $web (TLS from the demo's own CA: trust $issuer/tls/ca.pem in the" \
  "browser, or accept its warning). Sign in on $web/ with the organisation's account: the dev" \
  "issuer's form asks who you are; type" \
  "  subject $hero_agent, roles agent, for My standing ($web/me.html)" \
  "  subject team-lead, roles manager, for Approvals ($web/manager.html)" \
  "or paste a token under \"Sign in with a token\": $data_dir/agent.token, $data_dir/manager.token" \
  "The wall display, signed in by its address (a display token, kept in the tab):" \
  "  $web/wall.html#token=$wall_token"

if [[ ${KEEP:-} == 1 ]]; then
  stop_helper "$sink_pid"
  sink_pid=
  echo
  echo "${bold}Demo finished; plauditd keeps running${plain} (KEEP=1): gRPC on $PLAUDIT_SERVER," \
    "pages on $web, pid $server_pid, data and log in $data_dir."
  echo "Stop it with: kill $server_pid $sandbox_pid $provider_pid"
  if [[ -n $pg_dir ]]; then
    echo "Its database runs on in a PostgreSQL cluster ($dsn); stop it after plauditd, and" \
      "remove it, with: bash $PWD/scripts/test-postgres.sh stop $pg_dir"
  fi
  # None is stopped when the script ends.
  server_pid=
  sandbox_pid=
  provider_pid=
  pg_dir=
  exit 0
fi
stop_server
stop_helper "$sink_pid"
sink_pid=
stop_helper "$sandbox_pid"
sandbox_pid=
stop_helper "$provider_pid"
provider_pid=
kept="data and log kept in $data_dir"
if [[ -n $pg_dir ]]; then
  stop_postgres
  kept="PostgreSQL cluster stopped and removed; log, keys and certificates kept in $data_dir"
fi
echo
echo "${bold}Demo finished:${plain} $agents_imported agents and $events_imported events imported," \
  "${#awards[@]} awards decided for $period, $certificates certificates written;" \
  "plauditd stopped (make demo KEEP=1 keeps it running, to open the pages), $kept"
