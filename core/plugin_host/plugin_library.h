// The steps that bring a plugin shared object to life, in the order the boundary demands: load
// the library, check its ABI version before calling anything else, fetch and check its function
// table, create an instance against a host table, and initialise it with its configuration.
//
// Both sides of a plugin's start use these steps: the short-lived probe process that tries the
// plugin first (plugin_probe.h) and PluginHost, which loads it for real once the probe passed.
// Sharing them means a plugin refused by the probe is refused with the words PluginHost would
// have used. The functions keep no state of their own; an OpenedPlugin is used by one thread at
// a time while it is being opened.
#ifndef PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_LIBRARY_H_
#define PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_LIBRARY_H_

#include <boost/dll/shared_library.hpp>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "plaudit/plugin/v1/plugin.pb.h"
#include "plaudit/plugin_abi.h"

namespace plaudit {

// Where in its start a plugin is; a crash or a hang is reported against the stage it happened in.
enum class PluginStage {
  kLoad,    // dlopen, with the plugin's static constructors, and the ABI and table checks
  kCreate,  // the table's create()
  kInit,    // the "init" call with the plugin's configuration
};

// Called just before each stage begins.
using PluginStageObserver = std::function<void(PluginStage)>;

struct OpenedPlugin {
  boost::dll::shared_library library;
  const PlauditPluginV1* table = nullptr;
  // Owned: pass to table->destroy() when done.
  void* instance = nullptr;
};

// Loads `path`, checks its ABI version and function table, then calls create() with `host`
// (which must outlive the instance). FAILED_PRECONDITION with the reason when the plugin is not
// usable, e.g. "ABI version 42 is not supported (this plauditd speaks 1)".
absl::Status OpenPlugin(const std::string& path, const PlauditHostV1* host,
                        const PluginStageObserver& observe, OpenedPlugin* plugin);

// Calls the plugin's "init" and returns what it says it is. FAILED_PRECONDITION with the reason
// when init fails or its answer is unusable (no name, unknown kind).
absl::StatusOr<plugin::v1::PluginInfo> InitPlugin(OpenedPlugin& plugin,
                                                  const plugin::v1::InitRequest& request,
                                                  const PluginStageObserver& observe);

// One call through a plugin's table with a serialized request; "" on success with *response
// parsed, otherwise the plugin's error (or why the response could not be read).
std::string CallPluginMethod(const OpenedPlugin& plugin, const char* method,
                             const google::protobuf::MessageLite& request,
                             google::protobuf::MessageLite* response);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_PLUGIN_HOST_PLUGIN_LIBRARY_H_
