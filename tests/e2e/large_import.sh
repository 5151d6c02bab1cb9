#!/usr/bin/env bash
# Files far larger than the server's 4 MiB limit on one request import with the CLI, which sends
# them in chunks: 100,000 agents (about 8 MB) and 200,000 events.
source "$(dirname "$0")/lib.sh"
cd "$src"

start_server "$work/data"
"$plaudit" agents import examples/agents.csv >/dev/null
python3 - "$work/agents.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,display_name,email,team,channel,hire_date,status\n")
    for i in range(100000):
        f.write(f"agent-{i:06d},Agent number {i},agent{i}@example.com,Team {i % 40},chat,2024-03-01,active\n")
PY
size=$(stat -c %s "$work/agents.csv")
((size > 4 * 1024 * 1024)) || fail "the agents file is only $size bytes; the test proves nothing"
out=$("$plaudit" agents import "$work/agents.csv")
expect_contains "$out" "imported 100000, rejected 0" "agents import of 100,000 rows"
stored=$(sqlite3 "$work/data/plaudit.db" 'SELECT COUNT(*) FROM agents')
[[ $stored -eq 100060 ]] || fail "expected 100060 agents stored, found $stored"

python3 examples/generate_sample.py --rows 200000 --out "$work/events.csv"
out=$("$plaudit" metrics import "$work/events.csv")
expect_contains "$out" ", rejected 0" "metrics import of 200,000 rows"
stop_server
echo "large_import: 1 passed, 0 failed"
