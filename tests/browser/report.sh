#!/usr/bin/env bash
# The HTML program report (plaudit report -o html) in headless Chromium: a program decided, with a
# budget and a holdout, reported over a range that starts before it (so the effect has periods
# before and after); report.mjs checks the page against -o json. Needs Debian's chromium and
# Node.js; puppeteer-core and axe-core as pages.sh installs them.
source "${PLAUDIT_SOURCE_DIR:?}/tests/e2e/lib.sh"
cd "$src"

chromium=${CHROMIUM:-$(command -v chromium || true)}
[[ -n $chromium ]] || fail "chromium is not installed (make deps installs Debian's chromium)"
command -v node >/dev/null || fail "node is not installed (make deps installs Node.js)"
export CHROMIUM=$chromium
modules=$build/browser-tests
mkdir -p "$modules"
if ! cmp -s "$src/tests/browser/package-lock.json" "$modules/package-lock.json" ||
  [[ ! -d $modules/node_modules ]]; then
  cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" "$modules/"
  (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    fail "npm ci of the browser tests' packages failed"
fi
cp "$src/tests/browser/"*.mjs "$modules/"
artifacts=$build/test-artifacts/browser
mkdir -p "$artifacts"

start_server "$work/data"
"$plaudit" agents import examples/agents.csv >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
sed -e 's/^  n: 1$/  n: 4/' examples/programs/employee-of-the-month.yaml >"$work/program.yaml"
printf 'holdout: {share: 0.25, seed: 5}\nvalue_per_unit: {csat: 120}\n' >>"$work/program.yaml"
"$plaudit" programs apply -f "$work/program.yaml" >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
# Next month's events (after the program started today): October's again, a little better.
next_month=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%Y-%m)
python3 - examples/events-2026-10.csv "$next_month" "$work/next.csv" <<'PY'
import csv, sys
source, month, out = sys.argv[1:]
with open(source) as f, open(out, "w", newline="") as o:
    rows, w = csv.DictReader(f), csv.writer(o)
    w.writerow(["event_id", "agent_id", "metric", "value", "occurred_at"])
    for r in rows:
        value = float(r["value"])
        if r["metric"] == "csat":
            value = min(5.0, value + 0.3)
        day = min(int(r["occurred_at"][8:10]), 28)
        w.writerow(["n-" + r["event_id"], r["agent_id"], r["metric"], value,
                    f"{month}-{day:02d}T12:00:00Z"])
PY
"$plaudit" metrics import "$work/next.csv" >/dev/null
# The rewards are fulfilled in the background: both reports must see the same.
for _ in $(seq 1 100); do
  "$plaudit" export fulfilments --format ndjson >"$work/f.ndjson"
  grep -q '"state":"pending"' "$work/f.ndjson" || break
  sleep 0.1
done
args=(report employee-of-the-month --from 2026-09 --to "$next_month" --effect)
"$plaudit" "${args[@]}" -o json >"$work/report.json"
"$plaudit" "${args[@]}" -o html >"$work/report.html"
grep -q '<script' "$work/report.html" && fail "the report carries a script"
# The program's value_per_unit values CSAT's improvement.
[[ $(json_eval "$(cat "$work/report.json")" 'd["effect"]["metrics"][0]["valued"]') == True ]] ||
  fail "CSAT valued by the program's value_per_unit"
node "$modules/report.mjs" "$work/report.html" "$work/report.json" "$artifacts" ||
  fail "the HTML report (screenshot in $artifacts)"
stop_server
