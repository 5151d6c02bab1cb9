# Shared by scripts/demo.sh and scripts/bench-import.sh: find a free loopback port, and stop a
# plauditd started in the background. Source it after setting `script_name` (used in messages).

# True when something accepts connections on the loopback port.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port
  for ((port = 50051; port < 50351; port++)); do
    if ! port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# True while the process runs (a child that has exited but not been waited for does not count).
alive() {
  local stat
  if [[ -d /proc ]]; then
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
  else
    kill -0 "$1" 2>/dev/null
  fi
}

server_pid=

stop_server() {
  [[ -n $server_pid ]] || return 0
  if alive "$server_pid"; then
    kill -TERM "$server_pid" 2>/dev/null || true
    local waited
    for ((waited = 0; waited < 100; waited++)); do
      alive "$server_pid" || break
      sleep 0.1
    done
    if alive "$server_pid"; then
      echo "$script_name: plauditd did not stop within 10 s of SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# keep_or_remove_work STATUS: after a script's run, removes its scratch directory $work, or keeps
# it and says where when the run failed (STATUS not 0) or KEEP=1 asked for it.
keep_or_remove_work() {
  [[ -n ${work:-} ]] || return 0
  if (($1 != 0)) || [[ ${KEEP:-} == 1 ]]; then
    echo "$script_name: the logs, outputs and data are in $work" >&2
  else
    rm -rf "$work"
  fi
}
