// Plugins' own durable state, and the vendor callbacks already applied.
// An interface of the store (core/store/store.h), implemented by each backend.
#ifndef PLAUDIT_CORE_STORE_PLUGIN_STATE_STORE_H_
#define PLAUDIT_CORE_STORE_PLUGIN_STATE_STORE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/store/store_records.h"

namespace plaudit {

class PluginStateStore {
 public:
  virtual ~PluginStateStore() = default;

  // Vendor callbacks. Remembers that `plugin`'s callback signed `digest` is
  // applied, until `expires_us`; false, writing nothing, when it is remembered already (a
  // replay). Entries past their expiry are forgotten on the way.
  virtual absl::StatusOr<bool> RememberCallback(const std::string& plugin,
                                                const std::string& digest, int64_t expires_us,
                                                int64_t now_us) = 0;
  // Forgets a callback that could not be applied after all, so that it may be delivered again.
  virtual absl::Status ForgetCallback(const std::string& plugin, const std::string& digest) = 0;
  // Plugin-scoped key-value state, sealed at rest with (plugin, key) authenticated: a value that
  // was tampered with or moved to another key reads as DATA_LOSS naming the plugin and key.
  virtual absl::StatusOr<std::optional<std::string>> StateGet(const std::string& plugin,
                                                              const std::string& key) = 0;
  // Atomically: every key in `absent` is missing and every (key, value) in `expected` holds
  // exactly that value, then all puts are written. Returns false when a condition failed.
  virtual absl::StatusOr<bool> StateCommit(
      const std::string& plugin, const std::vector<std::pair<std::string, std::string>>& puts,
      const std::vector<std::string>& absent,
      const std::vector<std::pair<std::string, std::string>>& expected) = 0;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_PLUGIN_STATE_STORE_H_
