#!/usr/bin/env bash
# The audit trail through the real CLI and plauditd: records sealed offline by an independent
# implementation of the chain (so the format is what docs/operations.md says) are verified and
# listed; a record edited while plauditd is stopped makes `plaudit audit verify` exit 1 naming
# it; a key file others can read stops plauditd from starting.
source "$(dirname "$0")/lib.sh"

data=$work/data
start_server "$data"
out=$("$plaudit" audit verify)
expect_contains "$out" "0 records, chain intact, checkpoint at seq 0" "a fresh trail"
[[ $(stat -c %a "$data/audit.key") == 600 ]] || fail "the key file is made 0600"
[[ $(stat -c %a "$data/audit.checkpoint") == 600 ]] || fail "the checkpoint file is made 0600"
stop_server

# append_records SUBJECT...: appends one sealed record per subject, as plauditd would, and moves
# the checkpoint to the last one.
append_records() {
  python3 - "$data/plaudit.db" "$data/audit.key" "$data/audit.checkpoint" "$@" <<'PY'
import hashlib, hmac, os, sqlite3, struct, sys

db, key_file, checkpoint, subjects = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
key = open(key_file, "rb").read()
number = lambda n: struct.pack(">Q", n)
field = lambda text: number(len(text.encode())) + text.encode()
con = sqlite3.connect(db)
seq, mac = con.execute("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone() or (0, "")
for subject in subjects:
    seq += 1
    time_us = 1796032800000000 + seq * 1000000  # 2026-11-30T10:00:00Z + seq seconds
    roles = ["admin"]
    method, resource = "plaudit.v1.AwardService/ApproveAward", f"awards/{seq}"
    outcome, request_id, detail = "OK", f"req-{seq}", ""
    message = (b"plaudit.audit.v1" + number(seq) + number(time_us) + field(subject) +
               number(len(roles)) + b"".join(field(r) for r in roles) + field(method) +
               field(resource) + field(outcome) + field(request_id) + field(detail) +
               (bytes.fromhex(mac) if mac else bytes(32)))
    mac = hmac.new(key, message, hashlib.sha256).hexdigest()
    con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq, time_us, subject, "\x1f".join(roles), method, resource, outcome,
                 request_id, detail, mac))
con.commit()
with open(checkpoint + ".tmp", "w") as f:
    f.write(f"plaudit audit checkpoint\nseq {seq}\nmac {mac}\n")
os.replace(checkpoint + ".tmp", checkpoint)
PY
}

append_records alice bob alice
start_server "$data"
out=$("$plaudit" audit verify)
expect_contains "$out" "3 records, chain intact, checkpoint at seq 3" "records sealed offline"

csv=$("$plaudit" audit list -o csv)
expect_contains "$csv" "seq,time,subject,roles,method,resource,outcome,request_id,detail" "csv header"
expect_contains "$csv" "2,2026-11-30T10:00:02Z,bob,admin,plaudit.v1.AwardService/ApproveAward,awards/2,OK,req-2," "csv row"
[[ $(grep -c '^[0-9]' <<<"$csv") -eq 3 ]] || fail "three records listed: $csv"
out=$("$plaudit" audit list --subject bob -o csv)
[[ $(grep -c '^[0-9]' <<<"$out") -eq 1 ]] || fail "one record of bob: $out"
out=$("$plaudit" audit list --since 2026-11-30T10:00:02Z --limit 1 -o json)
[[ $(json_eval "$out" 'len(d)') == 1 ]] || fail "--limit 1 lists one record: $out"
[[ $(json_eval "$out" 'd[0]["seq"]') == 2 ]] || fail "--since starts at record 2: $out"
out=$("$plaudit" audit list)
expect_contains "$out" "awards/3" "table output"

[[ $(run_plaudit "$work/out" audit list --since yesterday) -eq 2 ]] || fail "a bad --since is a usage error"
expect_contains "$(cat "$work/out")" "not a time" "bad --since"

stop_server
python3 -c 'import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE audit_log SET resource = ? WHERE seq = 2", ("awards/999",))
con.commit()' "$data/plaudit.db"
start_server "$data"
[[ $(run_plaudit "$work/out" audit verify) -eq 1 ]] || fail "verify exits 1 on an edited record"
expect_contains "$(cat "$work/out")" "record 2 was edited" "edited record"
[[ $(run_plaudit "$work/out" audit verify -o json) -eq 1 ]] || fail "verify -o json exits 1 too"
expect_contains "$(cat "$work/out")" '"first_bad_seq": 2' "verdict as JSON"
stop_server

chmod 644 "$data/audit.key"
[[ $(run_plauditd "$work/out" --listen "127.0.0.1:$(pick_port)" --data-dir "$data" \
  --plugin-dir "$build/plugins") -ne 0 ]] || fail "plauditd must refuse a key file others can read"
expect_contains "$(cat "$work/out")" "audit key file $data/audit.key has mode 0644" "key file mode"

echo "audit_cli: ok"
