#!/usr/bin/env bash
# CSV imports through the real CLI and plauditd: a byte that is not UTF-8 rejects only its row,
# with the line, byte and column, and the exit code says rows were rejected; --encoding latin1
# imports what a spreadsheet wrote in Latin-1.
source "$(dirname "$0")/lib.sh"

start_server "$work/data"

printf 'id,display_name,email,team,channel,hire_date,status\na001,Ana,ana@example.com,red,phone,2020-01-01,active\na002,Jos\xe9,jose@example.com,red,phone,2020-01-01,active\na003,Bo,bo@example.com,blue,email,2020-01-01,active\n' >"$work/agents-latin1.csv"

set +e
out=$("$plaudit" agents import "$work/agents-latin1.csv" 2>&1)
code=$?
set -e
[[ $code -ne 0 ]] || fail "a rejected row must make agents import exit non-zero"
expect_contains "$out" "line 3: not valid UTF-8 (byte 0xE9 at column 9" "agents import as UTF-8"
expect_contains "$out" "imported 2, rejected 1" "agents import as UTF-8"

out=$("$plaudit" agents import --encoding latin1 "$work/agents-latin1.csv" 2>&1) ||
  fail "agents import --encoding latin1: $out"
expect_contains "$out" "imported 3, rejected 0" "agents import --encoding latin1"
names=$("$plaudit" agents list -o csv)
expect_contains "$names" "José" "the Latin-1 name decoded to UTF-8"

{
  echo "event_id,agent_id,metric,value,occurred_at"
  for i in $(seq 1 500); do echo "e$i,a001,calls_handled,1,2026-10-05T10:00:00Z"; done
  printf 'e501,a001,calls_handled,1,2026-10-05T10:00:00Z,caf\xe9\n'
  for i in $(seq 502 1000); do echo "e$i,a003,csat,5,2026-10-05T10:00:00Z"; done
} >"$work/events.csv"
set +e
out=$("$plaudit" metrics import "$work/events.csv" 2>&1)
code=$?
set -e
[[ $code -ne 0 ]] || fail "a rejected row must make metrics import exit non-zero"
expect_contains "$out" "line 502: not valid UTF-8 (byte 0xE9 at column 51" "metrics import"
expect_contains "$out" "imported 999, duplicates 0, rejected 1" "metrics import keeps every valid row"

set +e
out=$("$plaudit" metrics import --encoding ebcdic "$work/events.csv" 2>&1)
code=$?
set -e
[[ $code -ne 0 ]] || fail "an unknown encoding must be refused"
expect_contains "$out" "unknown encoding \"ebcdic\"" "unknown encoding"

echo "import_encoding: ok"
