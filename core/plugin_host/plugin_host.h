// Loads plugins (shared objects) from a directory with Boost.DLL, checks their ABI version before
// calling anything else, initialises them with their configuration, and offers them the host
// services (plugin-scoped state, clock, logger, event ingest). A plugin that fails to load is
// recorded with the reason and skipped.
//
// Each plugin is first tried in a short-lived child process (plugin_probe.h): loaded, checked,
// created and initialised there under a time limit. Only one that passes is loaded into this
// process, so a plugin that segfaults in create(), aborts in a static constructor or never
// returns from init is listed with that reason instead of taking plauditd down or keeping it
// from serving. The probe runs init once more than before: a plugin's init must tolerate being
// run twice (against the probe's throw-away state, then for real).
//
// Plugin configuration blocks are matched to plugin files by file stem (gift_card.so reads
// plugins.gift_card); CheckConfigBlocks() finds a block that no plugin claims.
//
// Lifecycle: construct, LoadDirectory() once at start-up (from one thread), then the other
// methods from any thread. Destruction destroys every plugin instance; libraries stay mapped.
#ifndef PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_HOST_H_
#define PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_HOST_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/domain/clock.h"
#include "core/fulfilment/reward_fulfiller.h"
#include "core/ingest/contact_ingest.h"
#include "core/ingest/ingest.h"
#include "core/store/store.h"
#include "plaudit/plugin/v1/plugin.pb.h"

namespace plaudit {

struct PluginStatus {
  // The plugin's own name, or its file name when it failed before telling it.
  std::string name;
  // "metric_source" or "fulfilment"; empty when unknown.
  std::string kind;
  std::string version;
  // Reward types (fulfilment) or sources (metric source).
  std::vector<std::string> serves;
  bool loaded = false;
  std::string error;
  std::string path;
};

// Plugin settings that plauditd reads itself and does not pass to the plugin: max_concurrency
// (fulfilment calls at once), callback_secret (the HMAC key of vendor callbacks) and
// identity_map_file (a metric source's CSV file `identity,agent_id`, matching platform users to
// agents; a path still relative when it arrives is taken from the data directory).
bool IsHostSetting(const std::string& key);

class PluginHost : public RewardFulfiller {
 public:
  struct Options {
    std::string data_dir;
    // Per plugin name, its configuration keys.
    std::map<std::string, std::map<std::string, std::string>> config;
    // How long a plugin may take to load, create and initialise in the probe before it is
    // killed and reported as hanging.
    absl::Duration probe_time_limit = absl::Seconds(10);
  };

  PluginHost(Options options, Store* store, EventIngestor* ingestor, Clock* clock);
  ~PluginHost() override;
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Loads every *.so in `dir`, in name order; a plugin that fails is recorded in Plugins() and
  // does not stop the others. NOT_FOUND when `dir` does not exist, FAILED_PRECONDITION when it is
  // not a directory, UNAVAILABLE when it cannot be read: plauditd must not start with a plugin
  // directory that is not there.
  absl::Status LoadDirectory(const std::string& dir);
  // Tries one plugin file in the probe, then loads it; the result is also recorded in Plugins().
  PluginStatus Load(const std::string& path);

  // INVALID_ARGUMENT naming the first block of Options::config that neither a plugin file tried
  // so far (loaded or not, by file stem) nor a loaded plugin (by its own name) claims, with the
  // closest real name when one is near: a misspelled block must not be silently ignored. A block
  // under a plugin's own name (not its file's) may hold only plauditd's settings (IsHostSetting):
  // the plugin's own would never reach it, and that is an error too.
  absl::Status CheckConfigBlocks() const;

  std::vector<PluginStatus> Plugins() const;
  // Reward types served by loaded fulfilment plugins.
  std::set<std::string> RewardTypes() const;

  // Routes to the plugin serving call.reward_type; kPending when none does (yet).
  FulfilResult Fulfil(const FulfilmentCall& call) override;
  FulfilResult Lookup(const FulfilmentCall& call) override;
  std::string PluginServing(const std::string& reward_type) const override;
  // The reward types of loaded plugins that declared allocates_in_rank_order in their info.
  std::set<std::string> RewardTypesInRankOrder() const override;

  // A plugin's named operation ("query" in plugin.proto). NOT_FOUND for an unknown plugin;
  // INTERNAL when the call itself failed. A plugin's own refusal is in the response's error.
  absl::StatusOr<plugin::v1::QueryResponse> Query(const std::string& plugin_name,
                                                  const plugin::v1::QueryRequest& request);
  // A plugin's answer as the engine's result.
  static FulfilResult ToResult(const plugin::v1::FulfilResponse& response);

  // Hands an authenticated vendor callback body to the named plugin.
  absl::StatusOr<plugin::v1::CallbackResponse> Callback(const std::string& plugin_name,
                                                        const plugin::v1::CallbackRequest& request);

  // One round of every metric source plugin; then the waiting contact facts of each source a
  // plugin names in its info whose agent is now known are applied (ContactIngestor::MatchWaiting).
  void PollMetricSources();

  // For the host services that plugins call.
  Store* store() const { return store_; }
  EventIngestor* ingestor() const { return ingestor_; }
  ContactIngestor* contacts() { return &contacts_; }
  Clock* clock() const { return clock_; }

  struct LoadedPlugin;
  // The plugin's identity map as its file now reads (re-read when the file changed; the last good
  // one kept, with a warning, when it no longer reads), and its generation (which changes with
  // it); null when it has none.
  std::shared_ptr<const IdentityMap> Identities(LoadedPlugin& plugin, int64_t* generation) const;

 private:
  LoadedPlugin* ServingPlugin(const std::string& reward_type) const;
  LoadedPlugin* Named(const std::string& name) const;
  // One call to the loaded plugin `plugin_name`: NOT_FOUND when there is none, INTERNAL when the
  // call fails.
  template <typename Request, typename Response>
  absl::StatusOr<Response> CallNamed(const std::string& plugin_name, const char* method,
                                     const Request& request);

  // Tries the plugin at `path` in a child process (plugin_probe.h).
  absl::Status Probe(const std::string& path) const;
  // Loads the plugin at `path` into this process if `probed` is OK; records it either way.
  PluginStatus LoadProbed(const std::string& path, const absl::Status& probed);
  // What init receives for the plugin in file `stem`.
  plugin::v1::InitRequest InitRequestFor(const std::string& stem) const;

  Options options_;
  // The directory LoadDirectory() read, for messages.
  std::string plugin_dir_;
  Store* store_;
  EventIngestor* ingestor_;
  Clock* clock_;
  ContactIngestor contacts_;
  std::vector<std::unique_ptr<LoadedPlugin>> plugins_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_HOST_H_
