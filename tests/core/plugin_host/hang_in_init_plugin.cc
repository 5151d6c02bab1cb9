// A plugin whose init never returns: plauditd must give up on it at the probe's time limit and
// start without it.
#include <unistd.h>

#include "plaudit/plugin_sdk.h"

namespace {

class HangInInitPlugin : public plaudit::sdk::Plugin {
 public:
  std::string Init(const plaudit::plugin::v1::InitRequest&,
                   plaudit::plugin::v1::PluginInfo*) override {
    while (true) pause();
  }
};

}  // namespace

PLAUDIT_PLUGIN(HangInInitPlugin)
