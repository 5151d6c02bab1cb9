#!/usr/bin/env bash
# The transport, end to end: plauditd with `tls` serves TLS and, with tls.client_ca_file, only to
# clients with a certificate from that CA; `plaudit` speaks TLS to an https:// address, trusting
# --ca-file. Without tls plauditd serves loopback only, and says that every caller is trusted.
# The CA and certificates are made here, for this run only.
source "$(dirname "$0")/lib.sh"
cd "$src"

pki=$work/pki
mkdir -p "$pki"
# make_cert NAME CA [SUBJECT_ALT_NAMES]: a key and a certificate signed by CA (or self-signed).
make_cert() {
  local name=$1 ca=$2 san=${3:-}
  openssl req -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -out "$pki/$name.csr" \
    -subj "/CN=$name" 2>/dev/null
  local extensions=$pki/$name.ext
  if [[ -n $san ]]; then echo "subjectAltName=$san" >"$extensions"; else : >"$extensions"; fi
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.pem" -CAkey "$pki/$ca.key" \
    -CAcreateserial -days 2 -extfile "$extensions" -out "$pki/$name.pem" 2>/dev/null
}
make_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -out "$pki/$1.pem" -days 2 \
    -subj "/CN=$1" 2>/dev/null
}
make_ca ca
make_ca other-ca
make_cert server ca "IP:127.0.0.1,DNS:localhost"
make_cert client ca
make_cert stranger other-ca

# start_tls_server CONFIG DATA_DIR: starts plauditd with CONFIG on a free port and waits until it
# has said it serves (start_server's readiness check speaks plaintext). The port opens a moment
# before the line is written, so the line is what is waited for.
start_tls_server() {
  port=$(pick_port)
  "$plauditd" --listen "127.0.0.1:$port" --data-dir "$2" --plugin-dir "$build/plugins" \
    --config "$1" >>"$work/plauditd.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    port_in_use "$port" && grep -q "serving on port $port" "$work/plauditd.log" && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "plauditd exited at start"
    sleep 0.1
  done
  fail "plauditd did not listen on 127.0.0.1:$port"
}

unset PLAUDIT_SERVER PLAUDIT_CA_FILE PLAUDIT_CERT PLAUDIT_KEY

# --- TLS: the config's paths are relative to its folder --------------------------------------
printf 'tls: {cert_file: pki/server.pem, key_file: pki/server.key}\n' >"$work/tls.yaml"
start_tls_server "$work/tls.yaml" "$work/tls-data"
grep -q "serving on port $port over TLS" "$work/plauditd.log" || fail "no TLS start line"
# TLS alone proves nobody's identity: without auth the development-mode line still stands.
grep -q "no auth configured: every caller is trusted" "$work/plauditd.log" ||
  fail "TLS without auth, yet no trusted-mode line"
out=$("$plaudit" --server "https://127.0.0.1:$port" --ca-file "$pki/ca.pem" plugins list) ||
  fail "TLS with --ca-file: $out"
expect_contains "$out" "manual" "plugins list over TLS"
out=$(PLAUDIT_SERVER=https://localhost:$port PLAUDIT_CA_FILE=$pki/ca.pem "$plaudit" plugins list) ||
  fail "TLS with \$PLAUDIT_SERVER and \$PLAUDIT_CA_FILE: $out"
expect_contains "$out" "manual" "plugins list over TLS, from the environment"

rc=$(run_plaudit "$work/no-ca.out" --server "https://127.0.0.1:$port" plugins list)
((rc == 1)) || fail "TLS without --ca-file: exit status $rc, expected 1"
[[ $(cat "$work/no-ca.out") == "plaudit: cannot reach plauditd at https://127.0.0.1:$port: TLS handshake failed (is --ca-file the CA that signed the server's certificate?)" ]] ||
  fail "TLS without --ca-file: $(cat "$work/no-ca.out")"
rc=$(run_plaudit "$work/wrong-ca.out" --server "https://127.0.0.1:$port" \
  --ca-file "$pki/other-ca.pem" plugins list)
((rc == 1)) || fail "TLS with the wrong CA: exit status $rc, expected 1"
expect_contains "$(cat "$work/wrong-ca.out")" "TLS handshake failed" "TLS with the wrong CA"

rc=$(run_plaudit "$work/plain.out" --server "127.0.0.1:$port" plugins list)
((rc == 1)) || fail "plaintext to a TLS server: exit status $rc, expected 1"
[[ $(cat "$work/plain.out") == "plaudit: cannot reach plauditd at 127.0.0.1:$port: the connection was closed; if plauditd there serves TLS, use https://127.0.0.1:$port" ]] ||
  fail "plaintext to a TLS server: $(cat "$work/plain.out")"

rc=$(run_plaudit "$work/ca-plain.out" --server "127.0.0.1:$port" --ca-file "$pki/ca.pem" plugins list)
((rc == 2)) || fail "--ca-file with a plaintext address: exit status $rc, expected 2"
expect_contains "$(cat "$work/ca-plain.out")" "is plaintext (use https://127.0.0.1:$port)" \
  "--ca-file with a plaintext address"
rc=$(run_plaudit "$work/missing-ca.out" --server "https://127.0.0.1:$port" \
  --ca-file "$work/no-such.pem" plugins list)
((rc == 1)) || fail "a missing --ca-file: exit status $rc, expected 1"
[[ $(cat "$work/missing-ca.out") == "plaudit: cannot read --ca-file $work/no-such.pem: No such file or directory" ]] ||
  fail "a missing --ca-file: $(cat "$work/missing-ca.out")"
stop_server

# --- mutual TLS ------------------------------------------------------------------------------
mport=$(pick_port)
printf 'tls:\n  cert_file: pki/server.pem\n  key_file: pki/server.key\n  client_ca_file: pki/ca.pem\n' \
  >"$work/mtls.yaml"
printf 'metrics_listen: 127.0.0.1:%s\n' "$mport" >>"$work/mtls.yaml"
start_tls_server "$work/mtls.yaml" "$work/mtls-data"
grep -q "serving on port $port over mutual TLS" "$work/plauditd.log" || fail "no mTLS start line"
# The metrics listener speaks HTTPS with the same certificate, to clients with a certificate
# from client_ca_file only.
https_get() {
  python3 - "$@" <<'PY'
import ssl, sys, urllib.request
url, ca = sys.argv[1], sys.argv[2]
context = ssl.create_default_context(cafile=ca)
if len(sys.argv) > 3:
    context.load_cert_chain(sys.argv[3], sys.argv[4])
try:
    with urllib.request.urlopen(url, timeout=10, context=context) as r:
        print(r.status, r.read().decode().strip())
except Exception as e:
    print("refused", type(e).__name__)
PY
}
[[ $(https_get "https://127.0.0.1:$mport/healthz" "$pki/ca.pem" "$pki/client.pem" "$pki/client.key") == "200 ok" ]] ||
  fail "metrics listener over mTLS with a client certificate"
[[ $(https_get "https://127.0.0.1:$mport/healthz" "$pki/ca.pem") == refused* ]] ||
  fail "the metrics listener answered a client without a certificate"
[[ $(https_get "https://127.0.0.1:$mport/metrics" "$pki/ca.pem" "$pki/stranger.pem" "$pki/stranger.key") == refused* ]] ||
  fail "the metrics listener answered a certificate from another CA"
rc=$(run_plaudit "$work/no-cert.out" --server "https://127.0.0.1:$port" --ca-file "$pki/ca.pem" \
  plugins list)
((rc == 1)) || fail "mTLS without a client certificate: exit status $rc, expected 1"
[[ $(cat "$work/no-cert.out") == "plaudit: cannot reach plauditd at https://127.0.0.1:$port: the connection was closed; does plauditd there require a client certificate (--cert and --key)?" ]] ||
  fail "mTLS without a client certificate: $(cat "$work/no-cert.out")"
rc=$(run_plaudit "$work/stranger.out" --server "https://127.0.0.1:$port" --ca-file "$pki/ca.pem" \
  --cert "$pki/stranger.pem" --key "$pki/stranger.key" plugins list)
((rc == 1)) || fail "mTLS with a certificate from another CA: exit status $rc, expected 1"
out=$("$plaudit" --server "https://127.0.0.1:$port" --ca-file "$pki/ca.pem" \
  --cert "$pki/client.pem" --key "$pki/client.key" plugins list) ||
  fail "mTLS with a client certificate: $out"
expect_contains "$out" "manual" "plugins list over mTLS"
out=$(PLAUDIT_CERT=$pki/client.pem PLAUDIT_KEY=$pki/client.key "$plaudit" \
  --server "https://127.0.0.1:$port" --ca-file "$pki/ca.pem" plugins list) ||
  fail "mTLS with \$PLAUDIT_CERT and \$PLAUDIT_KEY: $out"
rc=$(run_plaudit "$work/cert-only.out" --server "https://127.0.0.1:$port" --cert "$pki/client.pem" \
  plugins list)
((rc == 2)) || fail "--cert without --key: exit status $rc, expected 2"
rc=$(run_plaudit "$work/mismatch.out" --server "https://127.0.0.1:$port/" --ca-file "$pki/ca.pem" \
  --cert "$pki/client.pem" --key "$pki/server.key" plugins list)
((rc == 1)) || fail "--key not of --cert: exit status $rc, expected 1"
[[ $(cat "$work/mismatch.out") == "plaudit: --key $pki/server.key is not the key of the certificate in --cert $pki/client.pem" ]] ||
  fail "--key not of --cert: $(cat "$work/mismatch.out")"
stop_server

# --- TLS files that cannot be served stop plauditd, naming the file --------------------------
printf 'tls: {cert_file: pki/server.pem, key_file: pki/missing.key}\n' >"$work/missing-key.yaml"
rc=$(run_plauditd "$work/missing-key.out" --listen 127.0.0.1:0 --data-dir "$work/bad-data" \
  --plugin-dir "$build/plugins" --config "$work/missing-key.yaml")
((rc == 1)) || fail "a missing key file: exit status $rc, expected 1"
[[ $(cat "$work/missing-key.out") == "plauditd: tls.key_file: cannot read $work/pki/missing.key: No such file or directory" ]] ||
  fail "a missing key file: $(cat "$work/missing-key.out")"
printf 'tls: {cert_file: pki/server.pem, key_file: pki/client.key}\n' >"$work/wrong-key.yaml"
rc=$(run_plauditd "$work/wrong-key.out" --listen 127.0.0.1:0 --data-dir "$work/bad-data" \
  --plugin-dir "$build/plugins" --config "$work/wrong-key.yaml")
((rc == 1)) || fail "a key of another certificate: exit status $rc, expected 1"
[[ $(cat "$work/wrong-key.out") == "plauditd: tls.key_file: $work/pki/client.key is not the key of the certificate in $work/pki/server.pem" ]] ||
  fail "a key of another certificate: $(cat "$work/wrong-key.out")"
printf 'tls: {cert_file: pki/server.pem, key_file: pki/server.key, client_ca_file: pki/nope.pem}\n' \
  >"$work/missing-ca.yaml"
rc=$(run_plauditd "$work/missing-ca.out" --listen 127.0.0.1:0 --data-dir "$work/bad-data" \
  --plugin-dir "$build/plugins" --config "$work/missing-ca.yaml")
((rc == 1)) || fail "a missing client CA file: exit status $rc, expected 1"
[[ $(cat "$work/missing-ca.out") == "plauditd: tls.client_ca_file: cannot read $work/pki/nope.pem: No such file or directory" ]] ||
  fail "a missing client CA file: $(cat "$work/missing-ca.out")"
printf 'tls: {cert_file: pki/server.csr, key_file: pki/server.key}\n' >"$work/not-a-cert.yaml"
rc=$(run_plauditd "$work/not-a-cert.out" --listen 127.0.0.1:0 --data-dir "$work/bad-data" \
  --plugin-dir "$build/plugins" --config "$work/not-a-cert.yaml")
((rc == 1)) || fail "a certificate file without a certificate: exit status $rc, expected 1"
[[ $(cat "$work/not-a-cert.out") == "plauditd: tls.cert_file: $work/pki/server.csr holds no PEM certificate" ]] ||
  fail "a certificate file without a certificate: $(cat "$work/not-a-cert.out")"
grep -q "PRIVATE KEY" "$work/wrong-key.out" "$work/plauditd.log" && fail "a key was logged"

# --- without tls: loopback only, announced -----------------------------------------------------
rc=$(run_plauditd "$work/wildcard.out" --listen "0.0.0.0:$(pick_port)" --data-dir "$work/plain-data" \
  --plugin-dir "$build/plugins")
((rc == 1)) || fail "0.0.0.0 without tls: exit status $rc, expected 1"
wildcard=$(cat "$work/wildcard.out")
[[ $wildcard =~ ^plauditd:\ refusing\ to\ listen\ on\ 0\.0\.0\.0:[0-9]+\ without\ tls:\ every\ caller\ would\ be\ trusted\ \(configure\ tls\ and\ auth,\ or\ listen\ on\ 127\.0\.0\.1\)$ ]] ||
  fail "0.0.0.0 without tls: $wildcard"
unset port
start_server "$work/plain-data"
grep -q "no auth configured: every caller is trusted" "$work/plauditd.log" ||
  fail "no trusted-mode line on loopback"
stop_server
echo "tls: ok"
