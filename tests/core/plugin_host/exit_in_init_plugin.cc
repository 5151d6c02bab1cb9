// A plugin whose init ends the process it runs in, as a plugin calling exit() on a bad setting
// would: plauditd must report it and go on.
#include <cstdlib>

#include "plaudit/plugin_sdk.h"

namespace {

class ExitInInitPlugin : public plaudit::sdk::Plugin {
 public:
  std::string Init(const plaudit::plugin::v1::InitRequest&,
                   plaudit::plugin::v1::PluginInfo*) override {
    std::_Exit(3);
  }
};

}  // namespace

PLAUDIT_PLUGIN(ExitInInitPlugin)
