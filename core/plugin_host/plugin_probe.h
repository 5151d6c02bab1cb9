// Tries a plugin in a short-lived child process before plauditd loads it, so that a plugin that
// crashes (a segfault in create(), an abort in a static constructor) or hangs (an init that never
// returns) is reported and skipped instead of taking plauditd down or keeping it from serving.
// The child loads the shared object, checks the ABI version and function table, calls create()
// and then init with the plugin's real configuration and data directory, reports, and exits.
// Only a plugin that passes there is loaded into plauditd (by PluginHost).
//
// How the child is made, and why: it is this same executable, started afresh with posix_spawn()
// of /proc/self/exe. A bare fork() would copy a process that may already run gRPC, SQLite and
// plugin threads, whose locks the copy could find held forever; an exec'd image starts clean, and
// posix_spawn() is safe to call with threads running. The child knows it is one by an
// environment variable, seen by a constructor in plugin_probe.cc before main() runs, rather than
// by a command-line mode: every program that embeds PluginHost (plauditd, the test binaries)
// then probes correctly without each main() having to dispatch the mode, and a test binary is
// never started by mistake as a whole second test run. The probe runs before any other code of
// the program (no gRPC, no store, no threads) and leaves with _exit(), skipping destructors.
//
// What the child offers the plugin in place of the host services: plugin state is an in-memory
// map that starts empty (commits honour their conditions and are thrown away at exit); the clock
// is frozen at the instant the parent gave (its Clock's Now(), so a test's FakeClock holds in the
// child too); warnings and errors the plugin logs go to the log under "probe/<file>", info lines
// are dropped (the real init in plauditd logs again); "ingest.csv" is refused. None of these
// touch plauditd's data, so a plugin can do no harm there while it is being tried.
//
// The parent sends the request over a socket that is the child's fd 3 and reads back a byte per
// stage begun, then the verdict; a child that dies or outlives the time limit (it is killed then)
// is reported against the last stage it began. The plugin's time limit starts at the first of
// those bytes; until then the child is bounded only by start_limit.
//
// Thread-safety: ProbePlugin() keeps no shared state and may be called from several threads.
#ifndef PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_PROBE_H_
#define PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_PROBE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "plaudit/plugin/v1/plugin.pb.h"

namespace plaudit {

struct PluginProbeRequest {
  std::string path;
  // What init receives: the data directory and the plugin's own settings.
  plugin::v1::InitRequest init;
  // What the clock service answers in the child.
  absl::Time now;
  // For load, create and init together, counted from the moment the child begins loading the
  // plugin; past it the child is killed.
  absl::Duration time_limit = absl::Seconds(10);
  // For the child itself to start (exec, the program's own libraries, before the plugin is
  // touched). Not the plugin's time: under load, or under the sanitizers, a dozen children
  // starting at once on two cores take seconds each, and no plugin should be skipped for that.
  absl::Duration start_limit = absl::Seconds(60);
};

// OK when the plugin loaded, was created and initialised in the child. Otherwise
// FAILED_PRECONDITION whose message is the reason, worded for `plaudit plugins list`:
// "crashed in create: SIGSEGV", "crashed while loading: SIGABRT", "init did not return within
// 10 s", "exited with status 3 in init", or the refusal PluginHost itself would give ("ABI
// version 42 is not supported (this plauditd speaks 1)", "init failed: …"). INTERNAL when the
// child could not be started at all.
absl::Status ProbePlugin(const PluginProbeRequest& request);

// "10 s", "300 ms": a time limit as the reasons above print it.
std::string FormatTimeLimit(absl::Duration limit);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_PROBE_H_
