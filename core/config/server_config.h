// plauditd's configuration: defaults suited to a laptop, overridden by a YAML file
// (--config), overridden by flags.
//
//   listen: 127.0.0.1:50051
//   data_dir: var
//   plugin_dir: build/plugins
//   source_poll_interval_ms: 1000
//   shutdown_timeout_ms: 30000
//   plugin_start_timeout_ms: 10000
//   stream_idle_timeout_ms: 60000
//   close_check_interval_ms: 30000
//   reconcile_interval_ms: 30000
//   retry_base_ms: 2000
//   retry_max_ms: 300000
//   praise_monthly_allowance: 5
//   praise_time_zone: Europe/Stockholm
//   roles: {ops-lead: admin, mgr-anna: manager}
//   plugins:
//     certificate: {output_dir: /srv/certificates}
//   tls: {cert_file: server.pem, key_file: server.key, client_ca_file: clients-ca.pem}
//   secrets: {key_file: /etc/plaudit/secrets.key}
//
// Relative paths in the file are relative to the folder the file is in, so a config file works
// from whatever directory plauditd is started in: data_dir, plugin_dir, and every plugin setting
// whose key ends in `_file`, the tls files, the secrets key file, `_dir` or `_path` (output_dir,
// ca_file, api_key_file,
// ...), which is the convention for plugin settings that name files or folders. They are made
// absolute when read. Flags and the built-in defaults stay relative to the working directory.
#ifndef PLAUDIT_CORE_CONFIG_SERVER_CONFIG_H_
#define PLAUDIT_CORE_CONFIG_SERVER_CONFIG_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace plaudit {

// gRPC over TLS: the server's certificate chain and private key (PEM files), and, when
// client_ca_file is set, client certificates signed by that CA are required (mutual TLS).
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "var";
  std::string plugin_dir = "build/plugins";
  absl::Duration source_poll_interval = absl::Seconds(1);
  // How often plauditd looks for periods whose close_after has passed, to decide them.
  absl::Duration close_check_interval = absl::Seconds(30);
  // How often rewards pending with a vendor (or of uncertain fate) are looked up: the
  // reconciliation that catches lost vendor callbacks.
  absl::Duration reconcile_interval = absl::Seconds(30);
  // The backoff before a failed fulfilment is tried again: full jitter up to retry_base doubled
  // per attempt, capped at retry_max (a vendor's longer Retry-After wins).
  absl::Duration retry_base = absl::Seconds(2);
  absl::Duration retry_max = absl::Minutes(5);
  // How long SIGTERM may take: past it plauditd exits at once, leaving in-flight fulfilments to
  // resume (with the same keys) at the next start.
  absl::Duration shutdown_timeout = absl::Seconds(30);
  // How long a plugin may take to load, be created and initialised when it is tried at start;
  // past it the plugin is reported as hanging and plauditd starts without it.
  absl::Duration plugin_start_timeout = absl::Seconds(10);
  // How long an import stream may go without a message before plauditd ends it
  // (DEADLINE_EXCEEDED): a client that went away without closing its stream does not hold it.
  absl::Duration stream_idle_timeout = absl::Seconds(60);
  // Praise one agent may send per calendar month of `praise_time_zone`.
  int praise_monthly_allowance = 5;
  std::string praise_time_zone = "UTC";
  // Who may approve, reject and cancel awards: user name -> manager or admin. The user is the one
  // a request names (plaudit --as USER) until authentication lands.
  std::map<std::string, std::string> roles;
  // Per plugin name, its configuration (values as text).
  std::map<std::string, std::map<std::string, std::string>> plugins;
  // Serve over TLS; without it plauditd serves plaintext on loopback only.
  std::optional<TlsConfig> tls;
  // The file holding the 32-byte key that seals plugin state in the database (YAML
  // `secrets: {key_file: ...}`); empty means <data_dir>/secrets.key. Made with mode 0600 when
  // missing; refused when group or others may read it.
  std::string secrets_key_file;
};

// Reads a YAML config file over `base`, resolving its relative paths against the file's folder.
// INVALID_ARGUMENT names the line and key of a problem.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path, ServerConfig base);

// Whether `listen` (HOST:PORT, [V6]:PORT, optionally with gRPC's ipv4:/ipv6: scheme) names a
// loopback address: 127.0.0.0/8, ::1 or localhost. Anything else, including a wildcard or
// another host name, is not.
bool IsLoopbackListen(const std::string& listen);

// Whether a plugin setting names a file or folder (its key ends in _file, _dir or _path).
bool IsPathSetting(const std::string& key);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_CONFIG_SERVER_CONFIG_H_
