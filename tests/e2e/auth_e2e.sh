#!/usr/bin/env bash
# plauditd as it runs for real: TLS, OpenID Connect tokens minted by plaudit-dev-issuer, a service
# known by its client certificate, and the audit trail. Callers without valid tokens are turned
# away with the reason; an HR-sync service imports agents; an admin applies a program whose gift
# cards need a manager's approval (two approvers above 20 EUR); the same manager cannot approve
# twice, a second one can; the winner reads their own gift-card code and is refused another's;
# a manager of another team is refused; the audit trail names who did what and catches an edit.
source "$(dirname "$0")/lib.sh"
cd "$src"

issuer_bin=$build/bin/plaudit-dev-issuer
api_key=e2e-auth-sk-5Tq8
start_vendor_sandbox "$api_key"

# The issuer: signing key, JWKS and dev TLS files; a client certificate for the HR sync.
issuer=$work/issuer
"$issuer_bin" init "$issuer" >/dev/null
"$issuer_bin" client-cert --dir "$issuer" --name hris-sync >/dev/null
mint() { "$issuer_bin" mint --dir "$issuer" "$@"; }

port=$(pick_port)
cat >"$work/plauditd.yaml" <<YAML
tls:
  cert_file: issuer/tls/server.pem
  key_file: issuer/tls/server.key
  client_ca_file: issuer/tls/ca.pem
auth:
  issuer: $(cat "$issuer/issuer.txt")
  audience: plaudit
  jwks_file: issuer/jwks.json
services:
  hris-sync: {subject: "CN=hris-sync"}
plugins:
  gift_card: {base_url: "http://$sandbox", api_key_env: AUTH_E2E_KEY}
YAML
export AUTH_E2E_KEY=$api_key
"$plauditd" --config "$work/plauditd.yaml" --listen "127.0.0.1:$port" --data-dir "$work/data" \
  --plugin-dir "$build/plugins" >>"$work/plauditd.log" 2>&1 &
server_pid=$!
export PLAUDIT_SERVER=https://127.0.0.1:$port PLAUDIT_CA_FILE=$issuer/tls/ca.pem
admin=$(mint --sub ops-lead --roles admin)
for _ in $(seq 1 100); do
  PLAUDIT_TOKEN=$admin "$plaudit" auth whoami >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || fail "plauditd exited at start"
  sleep 0.1
done
grep -q "every caller is trusted" "$work/plauditd.log" && fail "auth on, yet the trusted-mode line"

# as TOKEN ARGS...: one plaudit command with that token.
as() {
  local token=$1
  shift
  PLAUDIT_TOKEN=$token "$plaudit" "$@"
}
# refused TOKEN EXPECTED ARGS...: the command must exit 1 with EXPECTED in its error.
refused() {
  local token=$1 expected=$2
  shift 2
  local rc
  rc=$(PLAUDIT_TOKEN=$token exit_status_of "$work/refused.out" "$plaudit" "$@")
  [[ $rc == 1 ]] || fail "$*: exit status $rc, expected 1: $(cat "$work/refused.out")"
  expect_contains "$(cat "$work/refused.out")" "$expected" "$*"
}

# --- who is calling ----------------------------------------------------------------------------
refused "" "no credentials" agents list
refused "$(mint --sub ops-lead --roles admin --expired)" "token expired" agents list
refused "$(mint --sub ops-lead --roles admin --audience somebody-else)" "wrong audience" agents list
# The payload of another token under this one's signature.
agent_payload=$(mint --sub a001 --roles agent | cut -d. -f2)
refused "$(cut -d. -f1 <<<"$admin").$agent_payload.$(cut -d. -f3 <<<"$admin")" "bad signature" agents list
# The development mode's --as is no identity here.
refused "" "no credentials" --as ops-lead agents list
out=$(as "$admin" auth whoami)
expect_contains "$out" "subject:          ops-lead" "whoami subject"
expect_contains "$out" "authenticated by: bearer token" "whoami by token"
# The same from a profile: server, CA and token file, nothing in the environment.
mint --sub team-lead --roles manager --teams north >"$work/manager.token"
cat >"$work/config.yaml" <<YAML
profiles:
  lead: {server: "https://localhost:$port", ca_file: issuer/tls/ca.pem, token_file: manager.token}
YAML
out=$(env -u PLAUDIT_SERVER -u PLAUDIT_CA_FILE PLAUDIT_CONFIG="$work/config.yaml" \
  "$plaudit" --profile lead auth whoami)
expect_contains "$out" "subject:          team-lead" "whoami from a profile"
expect_contains "$out" "teams:            north" "teams from the token"
# Health checking stays open (the CLI's wait above needed a token; grpc health needs none).
python3 - "$port" "$issuer/tls/ca.pem" <<'PY' || fail "health check without a token"
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
context.set_alpn_protocols(["h2"])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.selected_alpn_protocol() == "h2"
PY

# --- a service by its client certificate: the HR sync imports agents -----------------------------
out=$(PLAUDIT_CERT=$issuer/tls/hris-sync.pem PLAUDIT_KEY=$issuer/tls/hris-sync.key \
  "$plaudit" auth whoami)
expect_contains "$out" "subject:          hris-sync" "service whoami"
expect_contains "$out" "authenticated by: client certificate" "service by certificate"
out=$(PLAUDIT_CERT=$issuer/tls/hris-sync.pem PLAUDIT_KEY=$issuer/tls/hris-sync.key \
  "$plaudit" agents import examples/agents.csv)
expect_contains "$out" "imported 60" "agents import by the HR sync"
service=$(mint --sub metrics-feed --roles service)
as "$service" metrics import examples/events-2026-10.csv >/dev/null
refused "$service" "may not call plaudit.v1.ProgramService/ApplyProgram" \
  programs apply -f examples/programs/customer-hero.yaml

# --- an admin's program; managers approve -------------------------------------------------------
sed -e 's/^    - {type: parking, prefer: "vip,near_entrance", value: 0}$//' \
  examples/programs/customer-hero.yaml >"$work/hero.yaml"
printf 'approval: {by: manager, two_approvers_above: 20}\n' >>"$work/hero.yaml"
manager=$(mint --sub team-lead --roles manager)
refused "$manager" "may not call plaudit.v1.ProgramService/ApplyProgram" programs apply -f "$work/hero.yaml"
as "$admin" programs apply -f "$work/hero.yaml" >/dev/null
refused "$manager" "only admins may" awards evaluate customer-hero --period 2026-10
decided=$(as "$admin" awards evaluate customer-hero --period 2026-10 -o json)
award=$(json_eval "$decided" 'd["awards"][0]["id"]')
winner=$(json_eval "$decided" 'd["awards"][0]["agent_id"]')
other=$(json_eval "$decided" 'd["awards"][1]["agent_id"]')
team=$(as "$admin" agents list -o json | json_eval "$(cat)" \
  "[a['team'] for a in d if a['id'] == '$winner'][0]")
other_team=$(as "$admin" agents list -o json | json_eval "$(cat)" \
  "sorted(set(a['team'] for a in d) - {'$team'})[0]")

winner_token=$(mint --sub "$winner" --roles agent)
other_token=$(mint --sub "$other" --roles agent)
refused "$winner_token" "may not call plaudit.v1.AwardService/ApproveAward" awards approve "$award"
outsider=$(mint --sub far-lead --roles manager --teams "$other_team")
refused "$outsider" "not found" awards approve "$award"
out=$(as "$manager" awards approve "$award" --reason "great month")
expect_contains "$out" "approval 1 of 2 by team-lead" "first approval"
refused "$manager" "has already approved" awards approve "$award"
second=$(mint --sub floor-manager --roles manager --teams "$team")
out=$(as "$second" awards approve "$award")
expect_contains "$out" "is approved" "second approval by another subject"
history=$(as "$admin" awards history "$award" -o csv)
expect_contains "$history" "team-lead" "history names the first approver"
expect_contains "$history" "floor-manager" "history names the second approver"

# --- the winner's own gift-card code, and nobody else's -----------------------------------------
key=
for _ in $(seq 1 150); do
  key=$(as "$winner_token" fulfilments list -o json | json_eval "$(cat)" \
    "next(iter(f['id'] for f in d if f['state'] == 'fulfilled' and f['type'] == 'gift_card'), '')")
  [[ -n $key ]] && break
  sleep 0.2
done
[[ -n $key ]] || fail "the winner's gift card was not fulfilled"
fulfilment=$key
key=$(as "$winner_token" fulfilments show "$fulfilment" -o json | json_eval "$(cat)" 'd["fulfilment"]["idempotency_key"]')
refused "$other_token" "not found" fulfilments show "$fulfilment"
# The winner sees only their own fulfilments.
seen=$(as "$winner_token" fulfilments list -o json | json_eval "$(cat)" 'sorted(set(f["agent_id"] for f in d))')
[[ $seen == "['$winner']" ]] || fail "the winner sees others' fulfilments: $seen"
out=$(as "$winner_token" rewards code "$key" -o csv)
expect_contains "$out" "$key" "the winner's code"
code=$(json_eval "$(as "$winner_token" rewards code "$key" -o json)" '(d[0] if isinstance(d, list) else d)["code"]')
[[ -n $code ]] || fail "no code in the answer"
refused "$other_token" "recipient" rewards code "$key"
refused "$admin" "may not call plugin:gift_card/code" rewards code "$key"
# The code is sealed at rest.
grep -qF "$code" "$work/data/plaudit.db" "$work/data/plaudit.db-wal" 2>/dev/null &&
  fail "the redemption code is in the database file in clear"
# An agent reads their own explanation only.
refused "$other_token" "not found" awards explain customer-hero --agent "$winner" --period 2026-10

# --- the audit trail ---------------------------------------------------------------------------
refused "$manager" "may not call plaudit.v1.AuditService/ListAuditRecords" audit list
trail=$(as "$admin" audit list -o csv)
expect_contains "$trail" "team-lead" "audit names the first approver"
expect_contains "$trail" "plaudit.v1.AwardService/ApproveAward" "audit records approvals"
expect_contains "$trail" "plugin:gift_card/code" "audit records reading a code"
expect_contains "$trail" "PERMISSION_DENIED" "audit records refusals"
expect_contains "$(as "$admin" audit verify)" "chain intact" "audit verify"

# An edit made offline, with plauditd stopped, is named.
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
python3 - "$work/data/plaudit.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE audit_log SET subject = 'someone-else' WHERE seq = (SELECT MIN(seq) FROM audit_log WHERE subject = 'team-lead')")
db.commit()
PY
"$plauditd" --config "$work/plauditd.yaml" --listen "127.0.0.1:$port" --data-dir "$work/data" \
  --plugin-dir "$build/plugins" >>"$work/plauditd.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  as "$admin" auth whoami >/dev/null 2>&1 && break
  sleep 0.1
done
refused "$admin" "was edited" audit verify
echo "auth_e2e: ok"
