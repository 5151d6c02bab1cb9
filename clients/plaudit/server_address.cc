#include "clients/plaudit/server_address.h"

namespace plaudit::cli {

std::string ResolveServerAddress(const std::optional<std::string>& flag_value,
                                 const char* env_value) {
  if (flag_value.has_value() && !flag_value->empty()) return *flag_value;
  if (env_value != nullptr && env_value[0] != '\0') return env_value;
  return kDefaultServerAddress;
}

}  // namespace plaudit::cli
