#!/usr/bin/env bash
# Storing events on PostgreSQL beside a plain COPY of the same rows into the same schema, on a
# throw-away PostgreSQL 15 cluster with fsync on (as a production server runs), started on a free
# loopback port and stopped when the script ends. See bench/bench_postgres_ingest.cc.
#
# Usage: scripts/bench-postgres.sh [BUILD_DIR]      (BUILD_DIR defaults to build)
# Environment: EVENTS (200000), AGENTS (1000), BATCH (2000); SMOKE=1 runs it small (for ctest).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_arg=${1:-build}
if ! build=$(cd "$build_arg" 2>/dev/null && pwd); then
  echo "bench: no build directory '$build_arg'; run 'make build' first" >&2
  exit 1
fi
bench_bin=$build/bin/plaudit-bench-pg-ingest
[[ -x $bench_bin ]] || { echo "bench: $bench_bin is missing; run 'make build' first" >&2; exit 1; }

if [[ ${SMOKE:-} == 1 ]]; then
  : "${EVENTS:=5000}" "${AGENTS:=50}"
fi

cluster=$(mktemp -d "${TMPDIR:-/tmp}/plaudit-bench-pg.XXXXXX")
trap 'bash scripts/test-postgres.sh stop "$cluster"' EXIT
dsn=$(PG_FSYNC=on bash scripts/test-postgres.sh start "$cluster")
echo "== PostgreSQL $(psql "$dsn" -Atc 'SHOW server_version' 2>/dev/null || echo 15), fsync on, $(nproc) cores"
"$bench_bin" --dsn "$dsn" --events "${EVENTS:-200000}" --agents "${AGENTS:-1000}" \
  --batch "${BATCH:-2000}"
