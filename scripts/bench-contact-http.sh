#!/usr/bin/env bash
# Survey responses posted to the contact_http endpoint: POSTS (1,000) signed survey responses sent
# one after another over one HTTPS connection (curl), each answered only once plauditd has stored
# it in its SQLite store. Beside it, in the same run: the baseline, as many GET /healthz on the same
# connection (TLS, HTTP and the plugin's server, nothing stored). Prints the answers' latency
# (median, p90, p99) and posts per second for both.
#
# Usage: scripts/bench-contact-http.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Environment: POSTS, SMOKE=1 (50 posts, and checks they were stored: for ctest), KEEP=1 keeps
# the scratch directory.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "bench: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
plauditd_bin=$build/bin/plauditd
plaudit_bin=$build/bin/plaudit
for file in "$plauditd_bin" "$plaudit_bin" "$build/plugins/contact_http.so"; do
  [[ -e $file ]] || { echo "bench: $file is missing; build it first" >&2; exit 1; }
done
[[ ${SMOKE:-} == 1 ]] && : "${POSTS:=50}"
posts=${POSTS:-1000}
agents=100
secret=bench-contact-http-secret-0123456789

script_name=bench
# shellcheck source=lib/plauditd.sh
source scripts/lib/plauditd.sh
work=
on_exit() {
  local status=$?
  stop_server 2>/dev/null
  keep_or_remove_work "$status"
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
work=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-bench-contact-http.XXXXXX")
mkdir "$work/plugins" "$work/bodies"
cp "$build/plugins/contact_http.so" "$work/plugins/"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/server.key" -out "$work/server.pem" \
  -days 2 -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null

port=$(free_port) || { echo "bench: no free port" >&2; exit 1; }
hport=$(
  for ((p = 50400; p < 50700; p++)); do port_in_use "$p" || { echo "$p"; break; }; done
)
server=127.0.0.1:$port
cat >"$work/plauditd.yaml" <<YAML
source_poll_interval_ms: 100
plugins:
  contact_http: {listen: "127.0.0.1:$hport", tls_cert_file: "$work/server.pem", tls_key_file: "$work/server.key", secret_env: BENCH_SECRET}
YAML
BENCH_SECRET=$secret "$plauditd_bin" --listen "$server" --data-dir "$work/data" \
  --plugin-dir "$work/plugins" --config "$work/plauditd.yaml" >>"$work/plauditd.log" 2>&1 &
server_pid=$!
url=https://127.0.0.1:$hport
for _ in $(seq 1 240); do
  curl -fsS --cacert "$work/server.pem" "$url/healthz" >/dev/null 2>&1 && break
  alive "$server_pid" || { echo "bench: plauditd exited at start" >&2; tail "$work/plauditd.log" >&2; exit 1; }
  sleep 0.25
done
{
  echo "id,display_name,email,team,channel,hire_date,status"
  for ((i = 1; i <= agents; i++)); do printf 'a%03d,Agent %d,a%03d@example.com,Team %d,phone,2024-01-15,active\n' "$i" "$i" "$i" $((i % 5)); done
} >"$work/agents.csv"
"$plaudit_bin" --server "$server" agents import "$work/agents.csv" >/dev/null

echo "== Signing $posts survey responses"
t=$(date +%s)
: >"$work/posts.curl"
: >"$work/health.curl"
for ((i = 0; i < posts; i++)); do
  body=$work/bodies/$i.json
  printf '{"response_id":"r%06d","submitted_at":"2026-10-05T12:00:00Z","agent":"a%03d","csat":%d,"nps":%d}' \
    "$i" $((1 + i % agents)) $((1 + i % 5)) $((i % 11)) >"$body"
  digest=$({ printf '%s.' "$t"; cat "$body"; } | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
  ((i > 0)) && { echo next >>"$work/posts.curl"; echo next >>"$work/health.curl"; }
  printf 'url = "%s/v1/surveys"\ndata-binary = "@%s"\nheader = "Plaudit-Signature: t=%s,v1=%s"\nheader = "Content-Type: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{time_total} %%{time_pretransfer}\\n"\ncacert = "%s"\n' \
    "$url" "$body" "$t" "$digest" "$work/server.pem" >>"$work/posts.curl"
  printf 'url = "%s/healthz"\noutput = "/dev/null"\nwrite-out = "%%{http_code} %%{time_total} %%{time_pretransfer}\\n"\ncacert = "%s"\n' \
    "$url" "$work/server.pem" >>"$work/health.curl"
done

# name FILE: latency figures of one curl run (per request: status, total, pretransfer).
report() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
name, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = [l.split() for l in open(path) if l.strip()]
bad = [r for r in rows if r[0] != "200"]
if bad:
    sys.exit(f"bench: {len(bad)} of {len(rows)} answers were not 200: {bad[0]}")
# Time from the request's start on the connection to its answer (connection set-up left out).
ms = sorted((float(r[1]) - float(r[2])) * 1000 for r in rows)
pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
print(f"  {name:9} {len(rows)} requests in {seconds:.2f} s: {len(rows) / seconds:.0f}/s; "
      f"answer median {pick(0.5):.2f} ms, p90 {pick(0.9):.2f} ms, p99 {pick(0.99):.2f} ms")
PY
}
echo "== Posting them one after another on one connection"
start=$(date +%s.%N)
curl -sS -K "$work/health.curl" >"$work/health.out"
end=$(date +%s.%N)
report baseline "$work/health.out" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"
start=$(date +%s.%N)
curl -sS -K "$work/posts.curl" >"$work/posts.out"
end=$(date +%s.%N)
report surveys "$work/posts.out" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"

status=$("$plaudit_bin" --server "$server" sources status -o json)
stored=$(python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[0]["contacts"])' <<<"$status")
echo "  stored: $stored survey responses"
((stored == posts)) || { echo "bench: $posts posted, $stored stored" >&2; exit 1; }
