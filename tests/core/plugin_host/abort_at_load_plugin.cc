// A plugin that aborts in a static constructor, that is while it is being loaded, before plauditd
// can call anything in it.
#include <cstdlib>

#include "plaudit/plugin_sdk.h"

namespace {

struct AbortAtLoad {
  AbortAtLoad() { std::abort(); }
};
const AbortAtLoad abort_at_load;

class AbortAtLoadPlugin : public plaudit::sdk::Plugin {
 public:
  std::string Init(const plaudit::plugin::v1::InitRequest&,
                   plaudit::plugin::v1::PluginInfo* info) override {
    info->set_name("abort_at_load");
    return "";
  }
};

}  // namespace

PLAUDIT_PLUGIN(AbortAtLoadPlugin)
