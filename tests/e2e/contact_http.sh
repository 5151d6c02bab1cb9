#!/usr/bin/env bash
# Records and surveys posted to plauditd's contact_http endpoint over HTTPS: a signed post is
# stored before it is answered (and survives kill -9 right after), the same post again changes
# nothing, an unsigned or stale one is refused, a survey naming a contact counts for the agent who
# took it, a program's standings come from what was posted, and `plaudit sources status` shows both
# sources.
source "$(dirname "$0")/lib.sh"
cd "$src"

records=tests/plugins/fixtures/amazon-connect/contact-records.jsonl
secret=contact-http-e2e-secret-0123456789
export PLAUDIT_CONTACT_HTTP_SECRET=$secret
pki=$work/pki
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/server.key" -out "$pki/server.pem" \
  -days 2 -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
hport=$(pick_port)
cat >"$work/identities.csv" <<'CSV'
identity,agent_id
jane.doe,c901
sam.lee,c902
CSV
cat >"$work/plauditd.yaml" <<YAML
source_poll_interval_ms: 200
plugins:
  contact_http:
    format: amazon_connect
    source: connect
    listen: 127.0.0.1:$hport
    tls_cert_file: $pki/server.pem
    tls_key_file: $pki/server.key
    identity_map_file: $work/identities.csv
YAML
export PLAUDITD_CONFIG=$work/plauditd.yaml
start_server "$work/data"
cat >"$work/agents.csv" <<'CSV'
id,display_name,email,team,channel,hire_date,status
c901,Jane Doe,jane.doe@example.com,Phones,phone,2024-01-10,active
c902,Sam Lee,sam.lee@example.com,Phones,phone,2024-02-11,active
CSV
"$plaudit" agents import "$work/agents.csv" >/dev/null

url=https://127.0.0.1:$hport
for _ in $(seq 1 300); do
  curl -fsS --cacert "$pki/server.pem" "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS --cacert "$pki/server.pem" "$url/healthz" >/dev/null || fail "contact_http is not serving"

# post PATH FILE [SIGNED_AT]: POSTs the file signed at SIGNED_AT (default now); prints the status
# and leaves the answer in $work/answer.
post() {
  local path=$1 file=$2 t=${3:-$(date +%s)} digest
  digest=$({ printf '%s.' "$t"; cat "$file"; } | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  curl -sS --cacert "$pki/server.pem" -o "$work/answer" -w '%{http_code}' \
    -H "Plaudit-Signature: t=$t,v1=$digest" -H 'Content-Type: application/json' \
    --data-binary "@$file" "$url$path"
}

# Jane's first call, its revision, Sam's call and a record that is not JSON, in one post.
sed -n '1p;2p;4p;10p' "$records" >"$work/batch.jsonl"
[[ $(post /v1/records "$work/batch.jsonl") == 200 ]] || fail "records: $(cat "$work/answer")"
answer=$(cat "$work/answer")
[[ $(json_eval "$answer" 'd["applied"]') -eq 2 ]] || fail "two contacts stored: $answer"
[[ $(json_eval "$answer" 'd["rejected"][0]["at"]') == "line 4" ]] || fail "line 4 named: $answer"
# Stored before the answer: kill -9 now, and the contacts are there after a restart.
kill -9 "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
start_server "$work/data"
for _ in $(seq 1 300); do
  curl -fsS --cacert "$pki/server.pem" "$url/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
jane=$(summary_of c901)
[[ $(metric "$jane" calls_handled samples) -eq 1 ]] || fail "jane's call: $jane"
[[ $(metric "$jane" aht_seconds sum) == 435 ]] || fail "the revision's handle time (300+45+90): $jane"

# The same post again (a sender's retry) changes nothing.
[[ $(post /v1/records "$work/batch.jsonl") == 200 ]] || fail "again: $(cat "$work/answer")"
[[ $(json_eval "$(cat "$work/answer")" 'd["applied"]') -eq 0 ]] || fail "a retry counted again"
[[ $(metric "$(summary_of c901)" calls_handled samples) -eq 1 ]] || fail "a retry counted again"

# Refused: unsigned, stale, wrongly signed.
sed -n '5p' "$records" >"$work/mo.jsonl"
code=$(curl -sS --cacert "$pki/server.pem" -o "$work/answer" -w '%{http_code}' \
  --data-binary "@$work/mo.jsonl" "$url/v1/records")
[[ $code == 401 ]] || fail "unsigned: $code $(cat "$work/answer")"
[[ $(post /v1/records "$work/mo.jsonl" $(($(date +%s) - 900))) == 401 ]] ||
  fail "stale: $(cat "$work/answer")"
expect_contains "$(cat "$work/answer")" "stale" "stale answer"
code=$(secret=another-secret-altogether-0000 && post /v1/records "$work/mo.jsonl")
[[ $code == 401 ]] || fail "wrong secret: $code"

# A survey about Sam's contact c-0003, answered the day after.
cat >"$work/survey.json" <<'JSON'
{"response_id": "sv-1", "submitted_at": "2026-10-07T08:00:00Z", "contact_id": "c-0003", "csat": 3}
JSON
[[ $(post /v1/surveys "$work/survey.json") == 200 ]] || fail "survey: $(cat "$work/answer")"
sam=$(summary_of c902)
[[ $(metric "$sam" csat sum) == 3 ]] || fail "sam's csat from the survey: $sam"

# A program's standings come from what was posted: Jane's 5 (her call's own survey attribute)
# beats Sam's 3 (the survey posted about his call).
expect_leader happiest-customers csat higher_is_better c901 \
  "jane's csat 5 wins"

status=$("$plaudit" sources status -o json)
[[ $(json_eval "$status" '",".join(s["source"] for s in d)') == "connect,surveys" ]] ||
  fail "both sources shown: $status"
[[ $(json_eval "$status" '[s for s in d if s["source"] == "connect"][0]["contacts"]') -eq 2 ]] ||
  fail "connect's contacts: $status"
! grep -q "$secret" "$work/plauditd.log" || fail "the secret reached the log"
echo "contact_http: ok"
