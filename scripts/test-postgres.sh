#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: created in a directory of its own, listening on
# a free loopback port and on a Unix socket in that directory, stopped and removed afterwards.
#
# Usage: scripts/test-postgres.sh start DIR   creates DIR and starts the cluster; prints the DSN,
#                                            also written to DIR/dsn
#        scripts/test-postgres.sh stop DIR    stops the cluster and removes DIR
#
# The cluster trusts connections from loopback and its socket only (it listens nowhere else), has
# one role, plaudit, and does not fsync unless PG_FSYNC=on: it is for tests, where plauditd is the
# process that gets killed, not the database server (benchmarks set PG_FSYNC=on). When run as root, the server runs as the postgres user (it
# refuses to run as root). PostgreSQL 15 comes from Debian (scripts/install-deps.sh).
set -euo pipefail

action=${1:-}
dir=${2:-}
if [[ -z $action || -z $dir ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

bindir=
for candidate in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin; do
  if [[ -n $candidate && -x $candidate/initdb ]]; then
    bindir=$candidate
    break
  fi
done
if [[ -z $bindir ]]; then
  echo "test-postgres: initdb not found; install postgresql-15 (scripts/install-deps.sh)" >&2
  exit 1
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u postgres --); fi

case $action in
  start)
    if [[ -e $dir/data/postmaster.pid ]]; then
      # Left by a run that was killed: stop that server first.
      "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if ((${#as_owner[@]})); then chown postgres "$dir"; fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U plaudit -A trust -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=${PG_FSYNC:-off} -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    dsn="postgresql://plaudit@127.0.0.1:$port/postgres"
    echo "$dsn" >"$dir/dsn"
    echo "$dsn"
    ;;
  stop)
    if [[ -e $dir/data/postmaster.pid ]]; then
      "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
