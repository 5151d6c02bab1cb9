#!/usr/bin/env bash
# The pages in headless Chromium against the real plauditd, which signs people in through
# `plaudit-dev-issuer serve` (the dev issuer as an OpenID Connect provider) and takes its bearer
# tokens. Each script checks console errors and axe-core and writes screenshots to
# BUILD/test-artifacts/browser:
# - my_standing.mjs: an agent signs in through the issuer and sees the figures `plaudit awards
#   explain` gives them; the session cookie's flags and CSRF protection hold;
# - wall.mjs: the wall display, on a display token, shows the new leader within seconds of an
#   import, and never the agent who opted out of public praise;
# - announce.mjs: the wall announces a program's new winners, leaving out an opted-out winner;
# - manager.mjs: a manager signs in through the issuer and approves an award in their queue, and
#   the CLI sees it approved; completes the manual task it opened; sees the praise feed;
# - praise.mjs: an agent sends praise on the praise page and sees the allowance go down;
# - gift_code.mjs: a winner (signed in with a token) sees their leave and parking spot, downloads
#   their certificate's PDF and follows its verification link to a valid verdict, reveals their gift card's code on their page
#   (the code the CLI shows them), and another agent cannot read it through the API.
# Needs Debian's chromium and Node.js (scripts/install-deps.sh); puppeteer-core and axe-core come
# from the npm registry, pinned by package-lock.json, into BUILD/browser-tests.
source "${PLAUDIT_SOURCE_DIR:?}/tests/e2e/lib.sh"

chromium=${CHROMIUM:-$(command -v chromium || true)}
[[ -n $chromium ]] || fail "chromium is not installed (make deps installs Debian's chromium)"
command -v node >/dev/null || fail "node is not installed (make deps installs Node.js)"
command -v npm >/dev/null || fail "npm is not installed (make deps installs it)"
export CHROMIUM=$chromium

# The test's own node_modules, installed again only when the lock file changes.
modules=$build/browser-tests
mkdir -p "$modules"
if ! cmp -s "$src/tests/browser/package-lock.json" "$modules/package-lock.json" ||
  [[ ! -d $modules/node_modules ]]; then
  cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" "$modules/"
  (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    fail "npm ci of the browser tests' packages failed"
fi
cp "$src/tests/browser/"*.mjs "$modules/"

# The gift-card vendor's stand-in, for a reward whose code the winner reveals.
api_key=pages-sk-7Hc2
start_vendor_sandbox "$api_key"
export PAGES_GIFT_CARD_KEY=$api_key

# plauditd with tokens required, the pages on a port of their own (loopback: no TLS needed),
# signing in through the dev issuer serving as the organisation's OpenID Connect provider.
port=$(pick_port)
web_port=$(pick_port)
while [[ $web_port == "$port" ]]; do web_port=$(pick_port); done
issuer_port=$(pick_port)
while [[ $issuer_port == "$port" || $issuer_port == "$web_port" ]]; do issuer_port=$(pick_port); done
issuer=$work/issuer
"$build/bin/plaudit-dev-issuer" init "$issuer" --issuer "http://127.0.0.1:$issuer_port" >/dev/null
start_dev_provider "$issuer"
cat >"$work/plauditd.yaml" <<YAML
auth: {issuer: "$(cat "$issuer/issuer.txt")", audience: plaudit, jwks_file: issuer/jwks.json}
web:
  listen: "127.0.0.1:$web_port"
  sign_in: {client_id: plaudit-web}
plugins:
  gift_card: {base_url: "http://$sandbox", api_key_env: PAGES_GIFT_CARD_KEY}
  parking: {spots: "P7:vip"}
YAML
"$plauditd" --config "$work/plauditd.yaml" --listen "127.0.0.1:$port" --data-dir "$work/data" \
  --plugin-dir "$build/plugins" >>"$work/plauditd.log" 2>&1 &
server_pid=$!
export PLAUDIT_SERVER=127.0.0.1:$port
admin=$(mint_token ops-lead admin)
for _ in $(seq 1 100); do
  PLAUDIT_TOKEN=$admin "$plaudit" auth whoami >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || fail "plauditd exited at start"
  sleep 0.1
done
# The pages' listener starts after gRPC answers (and reads the issuer's discovery document).
for _ in $(seq 1 100); do
  grep -q "pages on http://127.0.0.1:$web_port" "$work/plauditd.log" && break
  sleep 0.1
done
grep -q "pages on http://127.0.0.1:$web_port" "$work/plauditd.log" || fail "no pages listener"

# Three agents and a month in progress: this month's events, a few hours old.
cat >"$work/agents.csv" <<CSV
id,display_name,email,team,channel,hire_date,status,public_praise,locale
a1,Zoë Lindqvist,zoe@example.com,Chat,chat,2023-01-10,active,yes,
a2,Bo Berg,bo@example.com,Chat,chat,2023-02-11,active,yes,en
a3,Ana Sousa,ana@example.com,Chat,chat,2023-03-12,active,no,sv
CSV
month_start=$(date -u +%Y-%m-01T00:00:00Z)
{
  echo "event_id,agent_id,metric,value,occurred_at"
  n=0
  for agent in a1 a2 a3; do
    for i in 1 2 3 4 5 6; do
      n=$((n + 1))
      csat=$(((n * 7) % 5 + 1))
      aht=$((200 + (n * 37) % 150))
      # Ana, who opted out of public praise, leads until Bo's good week below.
      if [[ $agent == a3 ]]; then csat=4 aht=150; fi
      at=$(date -u -d "$month_start + $((i * 5)) minutes" +%Y-%m-%dT%H:%M:%SZ)
      echo "e$n-c,$agent,csat,$csat,$at"
      echo "e$n-h,$agent,aht_seconds,$aht.5,$at"
    done
  done
} >"$work/events.csv"
cat >"$work/program.yaml" <<YAML
id: service-stars
name: Service Stars
cadence: monthly
time_zone: UTC
scorecard:
  peer_group: all
  metrics:
    - {metric: csat, aggregation: mean, weight: 0.6}
    - {metric: aht_seconds, aggregation: mean, direction: lower_is_better, weight: 0.4}
award:
  rule: top_n
  n: 1
  rewards:
    - {type: manual, item: lunch with the head of the centre, assignee_role: facilities, value: 40}
approval: manager
budget: {amount: 100, unit: money, currency: EUR, mode: fixed}
YAML
# Last month, closed: each agent's week of surveys, to decide and approve.
last_month_start=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m-01T00:00:00Z)
last_month=$(date -u -d "$last_month_start" +%Y-%m)
{
  for agent in a1 a2 a3; do
    for i in 1 2 3 4; do
      at=$(date -u -d "$last_month_start + $((i * 24)) hours" +%Y-%m-%dT%H:%M:%SZ)
      echo "lm-$agent-$i-c,$agent,csat,$((${agent#a} + 2)),$at"
      echo "lm-$agent-$i-h,$agent,aht_seconds,$((300 - ${agent#a} * 20)),$at"
    done
  done
} >>"$work/events.csv"
as_admin() { PLAUDIT_TOKEN=$admin "$plaudit" "$@"; }
as_admin agents import "$work/agents.csv" >/dev/null || fail "agents import"
as_admin metrics import "$work/events.csv" >"$work/import.out" 2>&1 || fail "events import: $(tail -5 "$work/import.out")"
as_admin programs apply --file "$work/program.yaml" >/dev/null || fail "programs apply"

agent=$(mint_token a1 agent)
PLAUDIT_TOKEN=$agent "$plaudit" awards explain service-stars --period current --agent a1 -o json \
  >"$work/explain.json" || fail "plaudit awards explain as a1: $(cat "$work/explain.json")"

artifacts=$build/test-artifacts/browser
base=http://127.0.0.1:$web_port
node "$modules/my_standing.mjs" "$base" a1 service-stars "$work/explain.json" "$artifacts" ||
  fail "my standing (screenshots in $artifacts)"

praise_message="Thanks for covering my queue on Tuesday"
node "$modules/praise.mjs" "$base" a1 a2 "$praise_message" "$artifacts" ||
  fail "praise (screenshots in $artifacts)"
as_admin praise feed -o json | grep -q "$praise_message" || fail "the CLI does not list the page's praise"

# Bo's good week: forty perfect, quick calls put him ahead of everyone.
{
  echo "event_id,agent_id,metric,value,occurred_at"
  for i in $(seq 1 40); do
    at=$(date -u -d "$month_start + $((i + 60)) minutes" +%Y-%m-%dT%H:%M:%SZ)
    echo "bo$i-c,a2,csat,5,$at"
    echo "bo$i-h,a2,aht_seconds,90,$at"
  done
} >"$work/bo.csv"
kiosk=$(mint_token wall-kiosk display)
export PLAUDIT_TOKEN=$admin
node "$modules/wall.mjs" "$base" "$kiosk" service-stars "Bo Berg" "Ana Sousa" \
  "'$plaudit' metrics import '$work/bo.csv' >/dev/null" "$artifacts" ||
  fail "the wall (screenshots in $artifacts)"

# The wall announces new winners: the two best of last month's satisfaction win a cake, with no
# approval to wait for. Ana (who opted out of public praise) and Bo win; the wall names Bo only.
cat >"$work/floor.yaml" <<YAML
id: floor-heroes
name: Floor Heroes
cadence: monthly
time_zone: UTC
scorecard:
  peer_group: all
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: top_n
  n: 2
  rewards:
    - {type: manual, item: cake, assignee_role: facilities}
YAML
as_admin programs apply --file "$work/floor.yaml" >/dev/null || fail "programs apply floor-heroes"
node "$modules/announce.mjs" "$base" "$kiosk" floor-heroes "Bo Berg" "Ana Sousa" \
  "PLAUDIT_TOKEN='$admin' '$plaudit' awards evaluate floor-heroes --period '$last_month' >/dev/null" \
  "$artifacts" || fail "the wall's announcement (screenshots in $artifacts)"

# Last month decided: its award waits for a manager.
as_admin awards evaluate service-stars --period "$last_month" >/dev/null || fail "awards evaluate"
award=$(as_admin awards list --program service-stars --period "$last_month" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])') || fail "awards list"
state=$(as_admin awards list --program service-stars --period "$last_month" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["state"])')
[[ $state == proposed ]] || fail "the award is $state before the manager, expected proposed"
node "$modules/manager.mjs" "$base" team-lead "$award" "$praise_message" "$artifacts" ||
  fail "the manager's queue (screenshots in $artifacts)"
as_admin plugins query manual tasks --arg status=done -o json | grep -q "booked for Friday" ||
  fail "the task completed on the manager's page is not done in the CLI"
state=$(as_admin awards list --program service-stars --period "$last_month" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["state"])')
[[ $state =~ ^(approved|fulfilling|fulfilled)$ ]] ||
  fail "after the manager approved it on the page, the CLI says $state"

# A gift card for last month's best, approved as decided and delivered by the sandbox.
cat >"$work/gift.yaml" <<YAML
id: gift-stars
name: Gift Stars
cadence: monthly
time_zone: UTC
scorecard:
  peer_group: all
  metrics:
    - {metric: csat, aggregation: mean}
award:
  rule: top_n
  n: 1
  rewards:
    - {type: gift_card, brand: coffee, amount: 25, currency: EUR}
    - {type: leave_credit, hours: 8}
    - {type: parking}
    - {type: certificate}
YAML
as_admin programs apply --file "$work/gift.yaml" >/dev/null || fail "programs apply gift-stars"
as_admin awards evaluate gift-stars --period "$last_month" >/dev/null || fail "evaluate gift-stars"
winner=$(as_admin awards list --program gift-stars --period "$last_month" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["agent_id"])')
[[ $winner == a3 ]] || fail "gift-stars was won by $winner, expected a3"
for _ in $(seq 1 100); do
  state=$(as_admin fulfilments list -o json | python3 -c '
import json, sys
print(" ".join(f["state"] for f in json.load(sys.stdin) if f["type"] == "gift_card"))')
  [[ $state == fulfilled ]] && break
  sleep 0.1
done
[[ $state == fulfilled ]] || fail "the gift card is $state, expected fulfilled"
for _ in $(seq 1 100); do
  states=$(as_admin fulfilments list -o json | python3 -c '
import json, sys
print(" ".join(sorted(f["state"] for f in json.load(sys.stdin) if f["type"] in ("leave_credit", "parking", "certificate"))))')
  [[ $states == "fulfilled fulfilled fulfilled" ]] && break
  sleep 0.1
done
[[ $states == "fulfilled fulfilled fulfilled" ]] ||
  fail "leave, parking and certificate are $states, expected fulfilled"
gift=$(as_admin fulfilments list -o json | python3 -c '
import json, sys
print([f for f in json.load(sys.stdin) if f["type"] == "gift_card"][0]["id"])')
key=$(as_admin fulfilments show "$gift" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["fulfilment"]["idempotency_key"])')
winner_token=$(mint_token a3 agent)
code=$(PLAUDIT_TOKEN=$winner_token "$plaudit" rewards code "$key" -o json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])') || fail "rewards code as a3"
node "$modules/gift_code.mjs" "$base" "$winner_token" "$(mint_token a1 agent)" "$key" "$code" \
  8 P7 "$artifacts" || fail "the gift card's code (screenshots in $artifacts)"
echo "PASS: my standing, the wall, the manager's queue and a gift card's code (screenshots in $artifacts)"
