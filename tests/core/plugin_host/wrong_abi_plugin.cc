// Claims an ABI version the host does not speak; its table must never be called.
#include <cstdlib>

#include "plaudit/plugin_sdk.h"

namespace plaudit_test {
extern "C" uint32_t WrongAbiVersion() { return PLAUDIT_PLUGIN_ABI_VERSION + 41; }
extern "C" const PlauditPluginV1* WrongAbiEntry() { std::abort(); }
}  // namespace plaudit_test

BOOST_DLL_ALIAS(plaudit_test::WrongAbiVersion, plaudit_plugin_abi_version)
BOOST_DLL_ALIAS(plaudit_test::WrongAbiEntry, plaudit_plugin_v1)
