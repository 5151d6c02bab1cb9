// A plugin whose constructor, run by create(), writes through a null pointer: plauditd must
// report the crash, not die of it.
#include "plaudit/plugin_sdk.h"

namespace {

// Volatile, so the compiler cannot see the null and must emit the store.
int* volatile nowhere = nullptr;

class SegfaultInCreatePlugin : public plaudit::sdk::Plugin {
 public:
  SegfaultInCreatePlugin() { *nowhere = 1; }

  std::string Init(const plaudit::plugin::v1::InitRequest&,
                   plaudit::plugin::v1::PluginInfo* info) override {
    info->set_name("segfault_in_create");
    return "";
  }
};

}  // namespace

PLAUDIT_PLUGIN(SegfaultInCreatePlugin)
