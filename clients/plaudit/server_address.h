// Where `plaudit` finds plauditd: the --server flag, else $PLAUDIT_SERVER, else the default.
// "host:port" is plaintext; "https://host:port" is TLS. The default port is 50051 either way.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_SERVER_ADDRESS_H_
#define PLAUDIT_CLIENTS_PLAUDIT_SERVER_ADDRESS_H_

#include <optional>
#include <string>

namespace plaudit::cli {

inline constexpr char kDefaultServerAddress[] = "127.0.0.1:50051";
inline constexpr char kDefaultServerPort[] = "50051";
inline constexpr char kServerAddressEnvVar[] = "PLAUDIT_SERVER";
inline constexpr char kTlsScheme[] = "https://";

// The flag wins over the environment, the environment over the default. An empty value counts
// as not given, so `PLAUDIT_SERVER= plaudit ...` falls back to the default.
// `env_value` is the variable's value, or null when it is unset. An address without a port
// gets kDefaultServerPort (see WithDefaultPort).
std::string ResolveServerAddress(const std::optional<std::string>& flag_value,
                                 const char* env_value);

// "host" -> "host:50051", "::1" or "[::1]" -> "[::1]:50051"; an address with a port, or a gRPC
// target with a scheme ("unix:/run/plauditd.sock", "dns:///host:1234"), is left as it is.
// "https://host" -> "https://host:50051" (a trailing slash is dropped).
std::string WithDefaultPort(const std::string& address);

// Whether the address asks for TLS (it starts with https://).
bool IsTlsAddress(const std::string& address);

// The gRPC target for the address: without the https:// prefix, which gRPC does not know.
std::string GrpcTarget(const std::string& address);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_SERVER_ADDRESS_H_
