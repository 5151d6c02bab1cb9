// A plugin whose init refuses its configuration.
#include "plaudit/plugin_sdk.h"

namespace {

class InitFailsPlugin : public plaudit::sdk::Plugin {
 public:
  std::string Init(const plaudit::plugin::v1::InitRequest&,
                   plaudit::plugin::v1::PluginInfo*) override {
    return "config key api_key is required";
  }
};

}  // namespace

PLAUDIT_PLUGIN(InitFailsPlugin)
