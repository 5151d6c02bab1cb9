#include "core/plugin_host/plugin_library.h"

#include <dlfcn.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace plaudit {

namespace pb = ::plaudit::plugin::v1;

namespace {

void Observe(const PluginStageObserver& observe, PluginStage stage) {
  if (observe) observe(stage);
}

}  // namespace

absl::Status OpenPlugin(const std::string& path, const PlauditHostV1* host,
                        const PluginStageObserver& observe, OpenedPlugin* plugin) {
  // dlopen's answer for an empty file is an unhelpful "Bad file descriptor" or "file too short".
  std::error_code size_error;
  const uintmax_t size = std::filesystem::file_size(path, size_error);
  if (!size_error && size == 0) return absl::FailedPreconditionError("empty file (0 bytes)");

  Observe(observe, PluginStage::kLoad);
  boost::system::error_code error;
  plugin->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                       error);
  if (error) return absl::FailedPreconditionError(absl::StrCat("cannot load: ", error.message()));
  // Never unmap a plugin: libraries it pulls in (cairo, fontconfig) keep process-wide caches
  // that must stay valid until exit. Marking the loaded object RTLD_NODELETE keeps it mapped.
  dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  if (!plugin->library.has(PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "not a Plaudit plugin: no ", PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL, " entry point"));
  }
  auto abi_version = plugin->library.get_alias<uint32_t()>(PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL);
  const uint32_t version = abi_version();
  if (version != PLAUDIT_PLUGIN_ABI_VERSION) {
    return absl::FailedPreconditionError(absl::StrCat("ABI version ", version,
                                                      " is not supported (this plauditd speaks ",
                                                      PLAUDIT_PLUGIN_ABI_VERSION, ")"));
  }
  if (!plugin->library.has(PLAUDIT_PLUGIN_ENTRY_SYMBOL)) {
    return absl::FailedPreconditionError(
        absl::StrCat("no ", PLAUDIT_PLUGIN_ENTRY_SYMBOL, " entry point"));
  }
  auto entry = plugin->library.get_alias<const PlauditPluginV1*()>(PLAUDIT_PLUGIN_ENTRY_SYMBOL);
  plugin->table = entry();
  if (plugin->table == nullptr || plugin->table->create == nullptr ||
      plugin->table->call == nullptr || plugin->table->release == nullptr ||
      plugin->table->destroy == nullptr) {
    return absl::FailedPreconditionError("incomplete function table");
  }

  Observe(observe, PluginStage::kCreate);
  plugin->instance = plugin->table->create(host);
  if (plugin->instance == nullptr) {
    return absl::FailedPreconditionError("create() returned no instance");
  }
  return absl::OkStatus();
}

std::string CallPluginMethod(const OpenedPlugin& plugin, const char* method,
                             const google::protobuf::MessageLite& request,
                             google::protobuf::MessageLite* response) {
  const std::string bytes = request.SerializeAsString();
  PlauditBuffer out{nullptr, 0};
  const int rc = plugin.table->call(
      plugin.instance, method, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &out);
  std::string reply(reinterpret_cast<const char*>(out.data), out.size);
  plugin.table->release(&out);
  if (rc != 0) return reply.empty() ? std::string("plugin call failed") : reply;
  if (!response->ParseFromString(reply)) return std::string("malformed response to ") + method;
  return "";
}

absl::StatusOr<pb::PluginInfo> InitPlugin(OpenedPlugin& plugin, const pb::InitRequest& request,
                                          const PluginStageObserver& observe) {
  Observe(observe, PluginStage::kInit);
  pb::InitResponse response;
  const std::string call_error = CallPluginMethod(plugin, "init", request, &response);
  if (!call_error.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("init failed: ", call_error));
  }
  if (!response.error().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("init failed: ", response.error()));
  }
  const pb::PluginInfo& info = response.info();
  if (info.name().empty()) return absl::FailedPreconditionError("init returned no plugin name");
  if (info.kind() != pb::PLUGIN_KIND_FULFILMENT && info.kind() != pb::PLUGIN_KIND_METRIC_SOURCE) {
    return absl::FailedPreconditionError("init returned an unknown plugin kind");
  }
  return info;
}

}  // namespace plaudit
