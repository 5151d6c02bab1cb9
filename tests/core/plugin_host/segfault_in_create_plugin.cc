// A plugin whose constructor, run by create(), dies of a segmentation fault: plauditd must
// report the crash, not die of it.
#include <csignal>

#include "plaudit/plugin_sdk.h"

namespace {

// The fault is raised rather than made by a wild store: under AddressSanitizer and
// UndefinedBehaviorSanitizer a null store is caught by the sanitizer, which exits with status 1
// instead of dying of the signal. The default disposition comes first for the same reason.
void Segfault() {
  std::signal(SIGSEGV, SIG_DFL);
  std::raise(SIGSEGV);
}

class SegfaultInCreatePlugin : public plaudit::sdk::Plugin {
 public:
  SegfaultInCreatePlugin() { Segfault(); }

  std::string Init(const plaudit::plugin::v1::InitRequest&,
                   plaudit::plugin::v1::PluginInfo* info) override {
    info->set_name("segfault_in_create");
    return "";
  }
};

}  // namespace

PLAUDIT_PLUGIN(SegfaultInCreatePlugin)
