#include "clients/plaudit/server_address.h"

#include <algorithm>

namespace plaudit::cli {

bool IsTlsAddress(const std::string& address) { return address.starts_with(kTlsScheme); }

std::string GrpcTarget(const std::string& address) {
  return IsTlsAddress(address) ? address.substr(std::string_view(kTlsScheme).size()) : address;
}

std::string WithDefaultPort(const std::string& address) {
  if (IsTlsAddress(address)) {
    std::string host_port = GrpcTarget(address);
    // "https://host:1234/" as copied from a browser bar: the slash is no part of the address.
    while (host_port.ends_with("/")) host_port.pop_back();
    if (host_port.empty()) return address;
    return kTlsScheme + WithDefaultPort(host_port);
  }
  const std::string port = std::string(":") + kDefaultServerPort;
  if (address.empty() || address.starts_with("unix:") || address.find("://") != std::string::npos) {
    return address;
  }
  if (address.front() == '[') {
    // "[::1]" has no port; "[::1]:1234" has one.
    return address.back() == ']' ? address + port : address;
  }
  const auto colons = std::count(address.begin(), address.end(), ':');
  if (colons == 0) return address + port;
  // More than one colon without brackets is a bare IPv6 address.
  if (colons > 1) return "[" + address + "]" + port;
  return address;
}

std::string ResolveServerAddress(const std::optional<std::string>& flag_value,
                                 const char* env_value) {
  if (flag_value.has_value() && !flag_value->empty()) return WithDefaultPort(*flag_value);
  if (env_value != nullptr && env_value[0] != '\0') return WithDefaultPort(env_value);
  return kDefaultServerAddress;
}

}  // namespace plaudit::cli
