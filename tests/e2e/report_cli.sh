#!/usr/bin/env bash
# Program reports through the real CLI and plauditd: the report's participation, spend, delivery
# and praise figures checked against the same data counted independently from the exports; what
# each reward type cost; a period without a decision; the three output formats; bad ranges and callers refused.
source "$(dirname "$0")/lib.sh"
cd "$src"

start_server "$work/data"
"$plaudit" agents import examples/agents.csv >/dev/null
"$plaudit" metrics import examples/events-2026-10.csv >/dev/null
"$plaudit" programs apply -f examples/programs/employee-of-the-month.yaml >/dev/null
"$plaudit" awards evaluate employee-of-the-month --period 2026-10 >/dev/null
"$plaudit" --as a002 praise send --to a001 --message "covered my queue" >/dev/null
"$plaudit" --as a003 praise send --to a001 --message "great save" >/dev/null
# The rewards are fulfilled in the background.
for _ in $(seq 1 100); do
  "$plaudit" export fulfilments --format ndjson >"$work/f.ndjson"
  grep -q '"state":"pending"\|"state":"waiting"' "$work/f.ndjson" || break
  sleep 0.1
done

# To this month, when the praise was sent.
this_month=$(date -u +%Y-%m)
report=$("$plaudit" report employee-of-the-month --from 2026-09 --to "$this_month" -o json)
q() { json_eval "$report" "$1"; }
[[ $(q 'd["periods"][-1]["period"]') == "$this_month" ]] || fail "the periods run to $this_month"
[[ $(q 'd["periods"][0]["period"]') == 2026-09 && $(q 'd["periods"][0]["decided"]') == False ]] ||
  fail "September has no decision"
[[ $(q 'd["periods"][0]["participation"]["ranked"]') == 0 ]] || fail "nobody ranked in September"

# Counted again from the exports.
"$plaudit" export standings --program employee-of-the-month --period 2026-10 --format ndjson >"$work/s.ndjson"
"$plaudit" export awards --program employee-of-the-month --format ndjson >"$work/a.ndjson"
"$plaudit" export agents --format ndjson >"$work/agents.ndjson"
python3 - "$work" "$report" <<'PY'
import json, statistics, sys
from datetime import datetime
work, report = sys.argv[1], json.loads(sys.argv[2])
rows = lambda name: [json.loads(l) for l in open(f"{work}/{name}.ndjson")]
standings, awards, rewards, agents = rows("s"), rows("a"), rows("f"), rows("agents")
team = {a["agent_id"]: a["team"] for a in agents}
channel = {a["agent_id"]: a["channel"] for a in agents}
october = next(p for p in report["periods"] if p["period"] == "2026-10")
overall = report["overall"]
def check(what, got, want):
    if got != want:
        sys.exit(f"FAIL: {what}: report says {got}, the exports say {want}")
p = october["participation"]
standing_awards = [a for a in awards if a["state"] not in ("rejected", "cancelled")]
winners = {a["agent_id"] for a in standing_awards}
check("ranked", int(p["ranked"]), len(standings))
check("eligible", int(p["eligible"]), sum(s["eligible"] for s in standings))
check("awards", int(p["awards"]), len(awards))
check("rewarded", int(p["rewarded"]), len(winners))
for kind, of in (("teams", team), ("channels", channel)):
    want = {}
    for s in standings:
        g = want.setdefault(of[s["competitor"]], [0, 0, 0])
        g[0] += 1
        g[1] += s["eligible"]
        g[2] += s["competitor"] in winners
    got = {g["group"]: [int(g.get("ranked", 0)), int(g.get("eligible", 0)), int(g.get("rewarded", 0))]
           for g in p[kind]}
    check(kind, got, want)
praise = {t["team"]: (int(t.get("given", 0)), int(t.get("received", 0)))
          for t in overall["participation"]["praise"]}
want = {}
for giver, to in (("a002", "a001"), ("a003", "a001")):
    want.setdefault(team[giver], [0, 0])[0] += 1
    want.setdefault(team[to], [0, 0])[1] += 1
check("praise by team", praise, {k: tuple(v) for k, v in want.items()})
d = october["delivery"]
check("fulfilled", int(d.get("fulfilled", 0)), sum(r["state"] == "fulfilled" for r in rewards))
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
hours = sorted((t(r["updated_at"]) - t(r["decided_at"])) / 3600 for r in rewards if r["state"] == "fulfilled")
check("median hours", round(d.get("median_hours", 0), 6), round(hours[(len(hours) + 1) // 2 - 1], 6))
check("awarded", round(october["spend"].get("awarded", 0), 6),
      round(sum(float(a["value"]) for a in standing_awards), 6))
check("overall ranked", overall["participation"]["ranked"], p["ranked"])
# Fairness by channel: the eligible agents and winners among them, and the chi-square statistic.
fair = {f["dimension"]: f for f in october["fairness"]}
check("fairness dimensions", list(fair), ["channel", "team", "peer group", "tenure", "shift"])
want = {}
for s in standings:
    if s["eligible"]:
        g = want.setdefault(channel[s["competitor"]], [0, 0])
        g[0] += 1
        g[1] += s["competitor"] in winners
got = {g["group"]: [int(g.get("eligible", 0)), int(g.get("winners", 0))] for g in fair["channel"]["groups"]}
check("fairness by channel", got, want)
n, w = sum(v[0] for v in want.values()), sum(v[1] for v in want.values())
statistic = sum((v[1] - v[0] / n * w) ** 2 / (v[0] / n * w) for v in want.values())
check("chi-square statistic", round(fair["channel"].get("statistic", 0), 9), round(statistic, 9))
if not fair["channel"]["verdict"]:
    sys.exit("FAIL: a fairness verdict in words")
PY

csv=$("$plaudit" report employee-of-the-month --from 2026-10 -o csv)
[[ $(head -1 <<<"$csv") == "period,section,measure,group,value" ]] || fail "csv header: $(head -1 <<<"$csv")"
grep -q '^2026-10,participation,ranked,,' <<<"$csv" || fail "a csv figure"
grep -q '^overall,delivery,fulfilled,,' <<<"$csv" || fail "an overall csv figure"
table=$("$plaudit" report employee-of-the-month --from 2026-10)
expect_contains "$table" "By team, overall" "table sections"
expect_contains "$table" "Fairness, overall: winners against eligible agents" "fairness section"
expect_contains "$table" "overall" "table overall row"

# A holdout: half of the eligible agents are scored but never rewarded; their would-be awards are
# recorded as holdout, with no rewards, and cannot be approved.
sed -e 's/^id: employee-of-the-month/id: with-holdout/' -e 's/^  n: 1$/  n: 10/' \
  examples/programs/employee-of-the-month.yaml >"$work/holdout.yaml"
printf 'holdout: {share: 0.5, seed: 11}\n' >>"$work/holdout.yaml"
"$plaudit" programs apply -f "$work/holdout.yaml" >/dev/null
"$plaudit" awards evaluate with-holdout --period 2026-10 >/dev/null
"$plaudit" export awards --program with-holdout --format ndjson >"$work/h-awards.ndjson"
"$plaudit" export fulfilments --program with-holdout --format ndjson >"$work/h-rewards.ndjson"
held=$(python3 - "$work" <<'PY'
import json, sys
awards = [json.loads(l) for l in open(f"{sys.argv[1]}/h-awards.ndjson")]
rewards = [json.loads(l) for l in open(f"{sys.argv[1]}/h-rewards.ndjson")]
held = [a for a in awards if a["state"] == "holdout"]
if not held or len(held) == len(awards):
    sys.exit(f"FAIL: some but not all awards held out: {[a['state'] for a in awards]}")
if any(r["award_id"] in {a["award_id"] for a in held} for r in rewards):
    sys.exit("FAIL: a holdout award has rewards")
if any(not a["state_reason"].startswith("holdout: rank ") for a in held):
    sys.exit("FAIL: a holdout award's reason")
print(held[0]["award_id"], len(held), len(awards))
PY
)
read -r held_id held_count award_count <<<"$held"
[[ $(run_plaudit "$work/out" awards approve "$held_id") -eq 1 ]] || fail "a holdout award cannot be approved"
expect_contains "$(cat "$work/out")" "is holdout" "approving a holdout award"
holdout_report=$("$plaudit" report with-holdout --from 2026-10 -o json)
[[ $(json_eval "$holdout_report" 'd["periods"][0]["participation"]["holdout_awards"]') == "$held_count" ]] ||
  fail "the report counts the holdout's would-be awards: $holdout_report"
[[ $(json_eval "$holdout_report" 'd["periods"][0]["participation"]["rewarded"]') == $((award_count - held_count)) ]] ||
  fail "holdout agents are not rewarded: $holdout_report"

# What each reward type cost: a budget in euros, each reward's value in it and a face value outside
# it, checked against the fulfilments export.
sed -e 's/^id: employee-of-the-month/id: priced/' \
  -e 's/^    - type: certificate$/    - {type: certificate, value: 0, face_value: 5}/' \
  -e 's/^    - {type: leave_credit, hours: 8}$/    - {type: leave_credit, hours: 8, value: 120.5, face_value: 40}/' \
  examples/programs/employee-of-the-month.yaml >"$work/priced.yaml"
printf 'budget: {amount: 10000, unit: money, currency: EUR}\n' >>"$work/priced.yaml"
grep -q 'face_value: 40' "$work/priced.yaml" || fail "the priced program lost its face values"
"$plaudit" programs apply -f "$work/priced.yaml" >/dev/null
"$plaudit" awards evaluate priced --period 2026-10 >/dev/null
for _ in $(seq 1 100); do
  "$plaudit" export fulfilments --program priced --format ndjson >"$work/p.ndjson"
  grep -q '"state":"pending"\|"state":"waiting"' "$work/p.ndjson" || break
  sleep 0.1
done
priced=$("$plaudit" report priced --from 2026-10 -o json)
python3 - "$work/p.ndjson" "$priced" <<'PY'
import json, sys
rewards = [json.loads(l) for l in open(sys.argv[1])]
report = json.loads(sys.argv[2])
want = {}
for r in rewards:
    t = want.setdefault(r["type"], [0, 0, 0.0, 0.0])
    t[0] += 1
    if r["state"] == "fulfilled":
        t[1] += 1
        t[2] += float(r["value"])
        t[3] += float(r["face_value"])
if not want.get("leave_credit", [0, 0])[1]:
    sys.exit(f"FAIL: no leave credit was fulfilled: {rewards}")
spend = report["overall"]["spend"]
got = {t["type"]: [int(t.get("rewards", 0)), int(t.get("fulfilled", 0)), t.get("settled", 0.0),
                   t.get("face_value", 0.0)] for t in spend["reward_types"]}
if got != want:
    sys.exit(f"FAIL: rewards by type: the report says {got}, the export says {want}")
leave = next(t for t in spend["reward_types"] if t["type"] == "leave_credit")
if leave["per_reward"] != 120.5 or spend["settled"] != sum(v[2] for v in want.values()):
    sys.exit(f"FAIL: per reward or settled: {spend}")
if spend["face_value"] != sum(v[3] for v in want.values()):
    sys.exit(f"FAIL: the face values: {spend}")
PY
expect_contains "$("$plaudit" report priced --from 2026-10)" "Rewards by type, overall (value, settled and per reward in the budget's unit, EUR" "the cost table"

# The effect: the program was applied today, so no period of the report comes after its start.
effect=$("$plaudit" report employee-of-the-month --from 2026-09 --to 2026-10 --effect --value-per-unit csat=120 -o json)
expect_contains "$(json_eval "$effect" 'd["effect"]["caveat"]')" "give a later --to" "effect without periods after the start"
[[ $(json_eval "$effect" '[m["metric"] for m in d["effect"]["metrics"]]') == "['csat', 'aht_seconds', 'followups_resolved']" ]] ||
  fail "the scorecard's metrics: $effect"
expect_contains "$("$plaudit" report employee-of-the-month --from 2026-09 --to 2026-10 --effect)" "Effect: 2026-09 to 2026-10 against no periods" "effect table"
[[ $(run_plaudit "$work/out" report employee-of-the-month --from 2026-10 --effect --value-per-unit nps=3) -eq 1 ]] ||
  fail "a value for a metric outside the scorecard"
expect_contains "$(cat "$work/out")" 'value_per_unit: "nps" is not a metric of the scorecard' "value for another metric"
[[ $(run_plaudit "$work/out" report employee-of-the-month --from 2026-10 --effect --value-per-unit csat) -eq 2 ]] ||
  fail "a value without METRIC="
expect_contains "$(cat "$work/out")" 'not METRIC=VALUE: "csat"' "bad --value-per-unit"

[[ $(run_plaudit "$work/out" report employee-of-the-month --from 2026-10 --to 2026-09) -eq 1 ]] ||
  fail "to before from"
expect_contains "$(cat "$work/out")" "to: 2026-09 is before from" "to before from"
[[ $(run_plaudit "$work/out" report nope --from 2026-10) -eq 1 ]] || fail "unknown program"
expect_contains "$(cat "$work/out")" 'program "nope" not found' "unknown program"
[[ $(run_plaudit "$work/out" report employee-of-the-month --from 2026-W41) -eq 1 ]] || fail "a week of a monthly program"
expect_contains "$(cat "$work/out")" "from: " "bad period"
[[ $(run_plaudit "$work/out" --as a001 report employee-of-the-month --from 2026-10) -eq 1 ]] ||
  fail "an agent may not read a program report"
expect_contains "$(cat "$work/out")" "may not call plaudit.v1.ReportService/GetProgramReport" "agent refused"
stop_server

# Gaming signals and holds: a program of speed alone, whose winner got faster while their repeat
# contacts rose, held for review by a hold each month.
port=
start_server "$work/gaming"
"$plaudit" agents import examples/agents.csv >/dev/null
cat >"$work/quick.yaml" <<'YAML'
id: quick-hands
name: Quick hands
cadence: monthly
time_zone: UTC
scorecard:
  metrics:
    - {metric: aht_seconds, aggregation: mean, weight: 0.9}
    - {metric: repeat_contacts, aggregation: mean, weight: 0.1}
award:
  rule: top_n
  n: 1
  rewards:
    - type: certificate
holds:
  - name: fastest
    when:
      - {metric: aht_seconds, aggregation: mean, best_percent: 50}
YAML
"$plaudit" programs apply -f "$work/quick.yaml" >/dev/null
python3 - "$work/quick.csv" <<'PY'
import sys
# (agent, month): aht, repeat contacts; a001 is fastest both months, 20% faster in October, with
# 50% more repeat contacts.
values = {("a001", 9): (300, 2), ("a002", 9): (320, 2), ("a003", 9): (340, 2),
          ("a001", 10): (240, 3), ("a002", 10): (330, 2), ("a003", 10): (345, 2)}
with open(sys.argv[1], "w") as f:
    f.write("event_id,agent_id,metric,value,occurred_at\n")
    for n, ((agent, month), (aht, repeats)) in enumerate(sorted(values.items())):
        f.write(f"q{n}a,{agent},aht_seconds,{aht},2026-{month:02d}-10T10:00:00Z\n")
        f.write(f"q{n}r,{agent},repeat_contacts,{repeats},2026-{month:02d}-10T10:00:00Z\n")
PY
"$plaudit" metrics import "$work/quick.csv" >/dev/null
"$plaudit" awards evaluate quick-hands --period 2026-09 >/dev/null
"$plaudit" awards evaluate quick-hands --period 2026-10 >/dev/null
september=$("$plaudit" export awards --program quick-hands --period 2026-09 --format ndjson)
"$plaudit" awards reject "$(json_eval "$september" 'd["award_id"]')" --reason "checked the calls" >/dev/null
report=$("$plaudit" report quick-hands --from 2026-09 --to 2026-10 -o json)
[[ $(json_eval "$report" 'len(d["overall"]["gaming"]["signals"])') == 1 ]] || fail "one gaming signal: $report"
[[ $(json_eval "$report" 'd["overall"]["gaming"]["signals"][0]["agent_id"]') == a001 ]] || fail "a001's signal"
[[ $(json_eval "$report" 'd["overall"]["gaming"]["signals"][0]["improved"][0]') == "aht_seconds 300 -> 240 (20% better)" ]] ||
  fail "the better metric: $report"
[[ $(json_eval "$report" 'd["overall"]["gaming"]["signals"][0]["worsened"][0]') == "repeat_contacts 2 -> 3 (50% worse)" ]] ||
  fail "the worse metric: $report"
[[ $(json_eval "$report" 'len(d["overall"]["gaming"]["holds"])') == 2 ]] || fail "two holds"
[[ $(json_eval "$report" 'd["overall"]["gaming"]["upheld"]') == 1 && $(json_eval "$report" 'd["overall"]["gaming"]["pending"]') == 1 ]] ||
  fail "one hold upheld, one pending: $report"
expect_contains "$(json_eval "$report" 'd["periods"][0]["gaming"]["holds"][0]["reason"]')" 'hold "fastest"' "the hold's reason"
table=$("$plaudit" report quick-hands --from 2026-09 --to 2026-10)
expect_contains "$table" "1 winners whose metrics moved both ways; 2 awards held (0 released, 1 upheld, 1 pending review)" "gaming line"
stop_server
echo "report_cli: ok"
