#!/usr/bin/env bash
# What plauditd checks at start, end to end: --version; broken plugins are listed with the reason
# and do not take it down; a missing plugin directory, a misspelled plugin block and a port that
# another plauditd already serves, and a fulfilment limit for a plugin that is not there each stop
# it with one clear line and a non-zero exit; paths in the config file are relative to the file's
# folder.
source "$(dirname "$0")/lib.sh"
cd "$src"

# --- --version ---------------------------------------------------------------------------------
version=$(sed -n 's/^project(plaudit VERSION \([0-9.]*\) .*/\1/p' "$src/CMakeLists.txt")
[[ -n $version ]] || fail "no VERSION in project() of CMakeLists.txt"
out=$("$plauditd" --version) || fail "plauditd --version exited non-zero"
[[ $out == "plauditd $version" ]] || fail "plauditd --version printed '$out'"

# --- a missing plugin directory --------------------------------------------------------------
rc=$(run_plauditd "$work/missing.out" --listen 127.0.0.1:0 --data-dir "$work/missing-data" \
  --plugin-dir "$work/no-such-plugins")
((rc == 1)) || fail "a missing plugin directory: exit status $rc, expected 1"
[[ $(cat "$work/missing.out") == "plauditd: plugin_dir: $work/no-such-plugins does not exist" ]] ||
  fail "a missing plugin directory: $(cat "$work/missing.out")"

# --- a misspelled plugin block ---------------------------------------------------------------
printf 'plugins:\n  parkng: {spots: "P1"}\n' >"$work/misspelled.yaml"
rc=$(run_plauditd "$work/misspelled.out" --listen 127.0.0.1:0 --data-dir "$work/misspelled-data" \
  --plugin-dir "$build/plugins" --config "$work/misspelled.yaml")
((rc == 1)) || fail "a misspelled plugin block: exit status $rc, expected 1"
expected="plauditd: plugins.parkng: no plugin in $build/plugins is called parkng (did you mean parking?)"
[[ $(tail -n 1 "$work/misspelled.out") == "$expected" ]] ||
  fail "a misspelled plugin block: $(cat "$work/misspelled.out")"

# --- a limit for a plugin that is not there ---------------------------------------------------
printf 'fulfilment:\n  concurrency: {gift_crd: 8}\n' >"$work/concurrency.yaml"
rc=$(run_plauditd "$work/concurrency.out" --listen 127.0.0.1:0 --data-dir "$work/concurrency-data" \
  --plugin-dir "$build/plugins" --config "$work/concurrency.yaml")
((rc == 1)) || fail "a misspelled plugin in fulfilment.concurrency: exit status $rc, expected 1"
expected="plauditd: fulfilment.concurrency.gift_crd: no plugin in $build/plugins is called gift_crd (there are: "
[[ $(tail -n 1 "$work/concurrency.out") == "$expected"*gift_card* ]] ||
  fail "a misspelled plugin in fulfilment.concurrency: $(cat "$work/concurrency.out")"

# --- broken plugins are listed, and plauditd serves --------------------------------------------
plugins=$work/plugins
mkdir -p "$plugins"
ln -s "$build"/plugins/*.so "$plugins/"
ln -s "$build/test-plugins/test_segfault_in_create_plugin.so" \
  "$build/test-plugins/test_abort_at_load_plugin.so" \
  "$build/test-plugins/test_hang_in_init_plugin.so" "$plugins/"
: >"$plugins/empty.so"
# Long enough for every probe to start under the sanitizers on a busy machine.
printf 'plugin_start_timeout_ms: 15000\n' >"$work/broken.yaml"
PLUGIN_DIR=$plugins PLAUDITD_CONFIG=$work/broken.yaml start_server "$work/data"
out=$("$plaudit" plugins list -o json)
status_of() { json_eval "$out" "[p['status'] for p in d if p['path'].endswith('/$1')][0]"; }
[[ $(status_of test_segfault_in_create_plugin.so) == "failed: crashed in create: SIGSEGV" ]] ||
  fail "segfault in create: $out"
[[ $(status_of test_abort_at_load_plugin.so) == "failed: crashed while loading: SIGABRT" ]] ||
  fail "abort while loading: $out"
[[ $(status_of test_hang_in_init_plugin.so) == "failed: init did not return within 15 s" ]] ||
  fail "hang in init: $out"
[[ $(status_of empty.so) == "failed: empty file (0 bytes)" ]] || fail "empty file: $out"
[[ $(status_of manual.so) == "loaded" ]] ||
  fail "the good plugins must load beside the broken ones: $out"

# --- a second plauditd on the same port --------------------------------------------------------
rc=$(run_plauditd "$work/second.out" --listen "$PLAUDIT_SERVER" --data-dir "$work/second-data" \
  --plugin-dir "$build/plugins")
((rc == 1)) || fail "a second plauditd on a port in use: exit status $rc, expected 1"
[[ $(tail -n 1 "$work/second.out") == "plauditd: cannot listen on $PLAUDIT_SERVER: address already in use" ]] ||
  fail "a second plauditd on a port in use: $(cat "$work/second.out")"
"$plaudit" plugins list >/dev/null || fail "the first plauditd must still answer"
stop_server

# --- paths in the config file are relative to its folder ---------------------------------------
mkdir -p "$work/etc"
ln -s "$build/plugins" "$work/etc/plugins"
port=$(pick_port)
printf 'listen: 127.0.0.1:%s\ndata_dir: ../relative-data\nplugin_dir: plugins\n' "$port" \
  >"$work/etc/plauditd.yaml"
export PLAUDIT_SERVER=127.0.0.1:$port
(cd / && exec "$plauditd" --config "$work/etc/plauditd.yaml") >>"$work/plauditd.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  "$plaudit" plugins list >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || fail "plauditd with a relative config exited at start"
  sleep 0.1
done
out=$("$plaudit" plugins list -o json)
[[ $(json_eval "$out" "[p['status'] for p in d if p['name'] == 'manual'][0]") == loaded ]] ||
  fail "plugin_dir relative to the config file: $out"
[[ -f $work/relative-data/plaudit.db ]] || fail "data_dir relative to the config file"
stop_server
echo "startup_checks: passed"
