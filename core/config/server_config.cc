#include "core/config/server_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/domain/period.h"

namespace plaudit {
namespace {

absl::Status Problem(const YAML::Node& node, const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", node.Mark().line + 1, ": ", field, ": ", what));
}

template <typename Resolve>
absl::StatusOr<AuthConfig> ParseAuth(const YAML::Node& value, const Resolve& resolve) {
  if (!value.IsMap()) {
    return Problem(value, "auth", "must be a map: {issuer, audience, jwks_file | jwks_url, ...}");
  }
  AuthConfig auth;
  for (const auto& setting : value) {
    const std::string name = setting.first.as<std::string>();
    const std::string field = "auth." + name;
    if (!setting.second.IsScalar() || setting.second.as<std::string>().empty()) {
      return Problem(setting.second, field, "must be a single value");
    }
    const std::string text = setting.second.as<std::string>();
    if (name == "issuer") {
      auth.issuer = text;
    } else if (name == "audience") {
      auth.audience = text;
    } else if (name == "jwks_file") {
      auth.jwks_file = resolve(text);
    } else if (name == "jwks_ca_file") {
      auth.jwks_ca_file = resolve(text);
    } else if (name == "jwks_url") {
      if (!absl::StartsWith(text, "https://")) {
        return Problem(setting.second, field, "must be an https:// address, got \"" + text + "\"");
      }
      auth.jwks_url = text;
    } else if (name == "roles_claim") {
      auth.roles_claim = text;
    } else if (name == "agent_claim") {
      auth.agent_claim = text;
    } else if (name == "teams_claim") {
      auth.teams_claim = text;
    } else if (name == "agent_match") {
      if (text != "id" && text != "email") {
        return Problem(setting.second, field, "expected id or email, got \"" + text + "\"");
      }
      auth.agent_match =
          text == "id" ? AuthConfig::AgentMatch::kId : AuthConfig::AgentMatch::kEmail;
    } else if (name == "clock_skew_s") {
      int seconds = 0;
      if (!absl::SimpleAtoi(text, &seconds) || seconds < 0 || seconds > 600) {
        return Problem(setting.second, field, "must be a number of seconds from 0 to 600");
      }
      auth.clock_skew = absl::Seconds(seconds);
    } else {
      return Problem(setting.first, field,
                     "unknown setting (expected issuer, audience, jwks_file, jwks_url, "
                     "jwks_ca_file, roles_claim, agent_claim, agent_match, teams_claim, "
                     "clock_skew_s)");
    }
  }
  if (auth.issuer.empty()) return Problem(value, "auth.issuer", "required");
  if (auth.audience.empty()) return Problem(value, "auth.audience", "required");
  if (auth.jwks_file.empty() == auth.jwks_url.empty()) {
    return Problem(value, "auth", "needs exactly one of jwks_file and jwks_url");
  }
  return auth;
}

template <typename Resolve>
absl::StatusOr<SignInConfig> ParseSignIn(const YAML::Node& value, const Resolve& resolve) {
  if (!value.IsMap()) return Problem(value, "web.sign_in", "must be a map: {client_id, ...}");
  SignInConfig sign_in;
  for (const auto& setting : value) {
    const std::string name = setting.first.as<std::string>();
    const std::string field = "web.sign_in." + name;
    if (!setting.second.IsScalar() || setting.second.as<std::string>().empty()) {
      return Problem(setting.second, field, "must be a single value");
    }
    const std::string text = setting.second.as<std::string>();
    if (name == "client_id") {
      sign_in.client_id = text;
    } else if (name == "client_secret_file") {
      sign_in.client_secret_file = resolve(text);
    } else if (name == "ca_file") {
      sign_in.ca_file = resolve(text);
    } else if (name == "session_key_file") {
      sign_in.session_key_file = resolve(text);
    } else if (name == "discovery_url" || name == "public_url") {
      if (!IsWebAddress(text)) {
        return Problem(
            setting.second, field,
            "must be an https:// address (http:// only on this host), got \"" + text + "\"");
      }
      (name == "discovery_url" ? sign_in.discovery_url : sign_in.public_url) =
          std::string(absl::StripSuffix(text, "/"));
    } else if (name == "session_hours") {
      int hours = 0;
      if (!absl::SimpleAtoi(text, &hours) || hours < 1 || hours > 24 * 30) {
        return Problem(setting.second, field, "must be a whole number of hours from 1 to 720");
      }
      sign_in.session_lifetime = absl::Hours(hours);
    } else {
      return Problem(setting.first, field,
                     "unknown setting (expected client_id, client_secret_file, discovery_url, "
                     "public_url, ca_file, session_key_file, session_hours)");
    }
  }
  if (sign_in.client_id.empty()) return Problem(value, "web.sign_in.client_id", "required");
  return sign_in;
}

template <typename Resolve>
absl::StatusOr<WebConfig> ParseWeb(const YAML::Node& value, const Resolve& resolve) {
  if (!value.IsMap()) return Problem(value, "web", "must be a map: {listen, sign_in}");
  WebConfig web;
  for (const auto& setting : value) {
    const std::string name = setting.first.as<std::string>();
    if (name == "sign_in") {
      auto sign_in = ParseSignIn(setting.second, resolve);
      if (!sign_in.ok()) return sign_in.status();
      web.sign_in = *std::move(sign_in);
      continue;
    }
    if (name != "listen") {
      return Problem(setting.first, "web." + name, "unknown setting (expected listen, sign_in)");
    }
    if (!setting.second.IsScalar() || setting.second.as<std::string>().empty()) {
      return Problem(setting.second, "web.listen", "must be HOST:PORT, e.g. 127.0.0.1:8080");
    }
    web.listen = setting.second.as<std::string>();
  }
  return web;
}

// A whole number of `what` from 1 to kMaxFulfilmentWorkers, or the problem naming `field` and the
// value given.
absl::StatusOr<int> FulfilmentCount(const YAML::Node& value, const std::string& field,
                                    const std::string& what) {
  int count = 0;
  const std::string text = value.IsScalar() ? value.as<std::string>() : "";
  if (!value.IsScalar() || !absl::SimpleAtoi(text, &count) || count < 1 ||
      count > kMaxFulfilmentWorkers) {
    return Problem(
        value, field,
        absl::StrCat("must be a whole number of ", what, " from 1 to ", kMaxFulfilmentWorkers,
                     ", got ",
                     value.IsScalar() ? absl::StrCat("\"", text, "\"") : "a list or map"));
  }
  return count;
}

absl::StatusOr<FulfilmentConfig> ParseFulfilment(const YAML::Node& value) {
  if (!value.IsMap()) {
    return Problem(value, "fulfilment",
                   "must be a map: {workers, default_concurrency, concurrency: {PLUGIN: calls}}");
  }
  FulfilmentConfig fulfilment;
  for (const auto& setting : value) {
    const std::string name = setting.first.as<std::string>();
    const std::string field = "fulfilment." + name;
    if (name == "workers" || name == "default_concurrency") {
      absl::StatusOr<int> count =
          FulfilmentCount(setting.second, field, name == "workers" ? "threads" : "calls");
      if (!count.ok()) return count.status();
      (name == "workers" ? fulfilment.workers : fulfilment.default_concurrency) = *count;
    } else if (name == "concurrency") {
      if (!setting.second.IsMap()) {
        return Problem(setting.second, field, "must map plugin names to calls at once");
      }
      for (const auto& plugin : setting.second) {
        const std::string plugin_name = plugin.first.as<std::string>();
        absl::StatusOr<int> count =
            FulfilmentCount(plugin.second, field + "." + plugin_name, "calls");
        if (!count.ok()) return count.status();
        fulfilment.concurrency[plugin_name] = *count;
      }
    } else {
      return Problem(setting.first, field,
                     "unknown setting (expected workers, default_concurrency, concurrency)");
    }
  }
  return fulfilment;
}

}  // namespace

bool IsLoopbackListen(const std::string& listen) {
  std::string address = listen;
  if (address.starts_with("ipv4:") || address.starts_with("ipv6:")) address.erase(0, 5);
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool IsWebAddress(const std::string& url) {
  const bool https = absl::StartsWith(url, "https://");
  if (!https && !absl::StartsWith(url, "http://")) return false;
  const size_t start = https ? 8 : 7;
  const size_t end = url.find_first_of("/?#", start);
  const std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  // No user information (user@host) and nothing a browser reads as a path separator.
  if (authority.empty() || authority.find_first_of("@\\") != std::string::npos) return false;
  std::string host = authority;
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.back() != ']') {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit)) return false;
    host = authority.substr(0, colon);
  }
  if (host.empty()) return false;
  return https || IsLoopbackListen(host + ":80");
}

bool IsPathSetting(const std::string& key) {
  return absl::EndsWith(key, "_file") || absl::EndsWith(key, "_dir") ||
         absl::EndsWith(key, "_path");
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path, ServerConfig config) {
  std::error_code ec;
  const std::filesystem::path folder = std::filesystem::absolute(path, ec).parent_path();
  if (ec)
    return absl::NotFoundError(absl::StrCat("config: cannot read ", path, ": ", ec.message()));
  // A relative path in the file means one beside the file.
  auto resolve = [&folder](const std::string& value) {
    if (value.empty() || std::filesystem::path(value).is_absolute()) return value;
    return (folder / value).lexically_normal().string();
  };
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat("config: cannot read ", path));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": line ", e.mark.line + 1, ": ", e.msg));
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) return Problem(root, "config", "must be a map of settings");
  try {
    for (const auto& entry : root) {
      std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      if (key == "listen" || key == "data_dir" || key == "plugin_dir" || key == "metrics_listen") {
        if (!value.IsScalar()) return Problem(value, key, "must be text");
        std::string text = value.as<std::string>();
        if (key == "listen") config.listen = text;
        if (key == "metrics_listen") config.metrics_listen = text;
        if (key == "data_dir") config.data_dir = resolve(text);
        if (key == "plugin_dir") config.plugin_dir = resolve(text);
      } else if (key == "source_poll_interval_ms" || key == "shutdown_timeout_ms" ||
                 key == "close_check_interval_ms" || key == "reconcile_interval_ms" ||
                 key == "retry_base_ms" || key == "retry_max_ms" ||
                 key == "plugin_start_timeout_ms" || key == "stream_idle_timeout_ms") {
        int64_t ms = 0;
        if (!value.IsScalar() || !absl::SimpleAtoi(value.as<std::string>(), &ms) || ms <= 0) {
          return Problem(value, key, "must be a positive number of milliseconds");
        }
        absl::Duration& setting = key == "shutdown_timeout_ms"       ? config.shutdown_timeout
                                  : key == "close_check_interval_ms" ? config.close_check_interval
                                  : key == "reconcile_interval_ms"   ? config.reconcile_interval
                                  : key == "retry_base_ms"           ? config.retry_base
                                  : key == "retry_max_ms"            ? config.retry_max
                                  : key == "plugin_start_timeout_ms" ? config.plugin_start_timeout
                                  : key == "stream_idle_timeout_ms"  ? config.stream_idle_timeout
                                                                     : config.source_poll_interval;
        setting = absl::Milliseconds(ms);
      } else if (key == "drain_ms") {
        int64_t ms = 0;
        if (!value.IsScalar() || !absl::SimpleAtoi(value.as<std::string>(), &ms) || ms < 0 ||
            ms > 600000) {
          return Problem(value, key, "must be a number of milliseconds from 0 to 600000");
        }
        config.drain = absl::Milliseconds(ms);
      } else if (key == "log_format") {
        const std::string format = value.IsScalar() ? value.as<std::string>() : "";
        if (format != "text" && format != "json") {
          return Problem(value, key, absl::StrCat("must be text or json, not \"", format, "\""));
        }
        config.log_format = format == "json" ? LogFormat::kJson : LogFormat::kText;
      } else if (key == "praise_monthly_allowance") {
        int allowance = 0;
        if (!value.IsScalar() || !absl::SimpleAtoi(value.as<std::string>(), &allowance) ||
            allowance < 0) {
          return Problem(value, key, "must be a number of praise, 0 or more");
        }
        config.praise_monthly_allowance = allowance;
      } else if (key == "praise_time_zone") {
        if (!value.IsScalar()) return Problem(value, key, "must be an IANA time zone name");
        auto zone = LoadZone(value.as<std::string>());
        if (!zone.ok()) return Problem(value, key, std::string(zone.status().message()));
        config.praise_time_zone = value.as<std::string>();
      } else if (key == "roles") {
        if (!value.IsMap()) return Problem(value, key, "must map user names to roles");
        for (const auto& user : value) {
          std::string name = user.first.as<std::string>();
          std::string role = user.second.IsScalar() ? user.second.as<std::string>() : "";
          const bool word = !role.empty() && std::all_of(role.begin(), role.end(), [](char c) {
            return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-' || c == '_';
          });
          if (!word) {
            return Problem(user.second, "roles." + name,
                           "unknown role \"" + role +
                               "\" (expected admin, manager, agent, service, or a task role "
                               "such as facilities)");
          }
          config.roles[name] = role;
        }
      } else if (key == "plugins") {
        if (!value.IsMap()) return Problem(value, key, "must map plugin names to settings");
        for (const auto& plugin : value) {
          std::string name = plugin.first.as<std::string>();
          auto& settings = config.plugins[name];
          if (plugin.second.IsNull()) continue;
          if (!plugin.second.IsMap()) {
            return Problem(plugin.second, "plugins." + name, "must be a map of settings");
          }
          for (const auto& setting : plugin.second) {
            std::string setting_key = setting.first.as<std::string>();
            if (!setting.second.IsScalar()) {
              return Problem(setting.second, "plugins." + name + "." + setting_key,
                             "must be a single value");
            }
            const std::string setting_value = setting.second.as<std::string>();
            settings[setting_key] =
                IsPathSetting(setting_key) ? resolve(setting_value) : setting_value;
          }
        }
      } else if (key == "fulfilment") {
        auto fulfilment = ParseFulfilment(value);
        if (!fulfilment.ok()) return fulfilment.status();
        config.fulfilment = *std::move(fulfilment);
      } else if (key == "tls") {
        if (!value.IsMap()) {
          return Problem(value, key, "must be a map: {cert_file, key_file, client_ca_file}");
        }
        TlsConfig tls;
        for (const auto& setting : value) {
          const std::string name = setting.first.as<std::string>();
          if (name != "cert_file" && name != "key_file" && name != "client_ca_file") {
            return Problem(setting.first, "tls." + name,
                           "unknown setting (expected cert_file, key_file, client_ca_file)");
          }
          if (!setting.second.IsScalar() || setting.second.as<std::string>().empty()) {
            return Problem(setting.second, "tls." + name, "must be a file name");
          }
          const std::string file = resolve(setting.second.as<std::string>());
          if (name == "cert_file") tls.cert_file = file;
          if (name == "key_file") tls.key_file = file;
          if (name == "client_ca_file") tls.client_ca_file = file;
        }
        if (tls.cert_file.empty() || tls.key_file.empty()) {
          return Problem(value, key, "needs both cert_file and key_file");
        }
        config.tls = std::move(tls);
      } else if (key == "auth") {
        auto auth = ParseAuth(value, resolve);
        if (!auth.ok()) return auth.status();
        config.auth = *std::move(auth);
      } else if (key == "services") {
        if (!value.IsMap()) return Problem(value, key, "must map service names to {subject}");
        for (const auto& service : value) {
          const std::string name = service.first.as<std::string>();
          const YAML::Node subject =
              service.second.IsMap() ? service.second["subject"] : YAML::Node();
          if (!subject.IsDefined() || !subject.IsScalar() || subject.as<std::string>().empty()) {
            return Problem(
                service.second, "services." + name,
                "needs subject: the client certificate's subject, e.g. \"CN=" + name + "\"");
          }
          config.services[name].subject = subject.as<std::string>();
        }
      } else if (key == "audit") {
        if (!value.IsMap())
          return Problem(value, key, "must be a map: {key_file, checkpoint_file}");
        for (const auto& setting : value) {
          const std::string name = setting.first.as<std::string>();
          if (name != "key_file" && name != "checkpoint_file") {
            return Problem(setting.first, "audit." + name,
                           "unknown setting (expected key_file, checkpoint_file)");
          }
          if (!setting.second.IsScalar() || setting.second.as<std::string>().empty()) {
            return Problem(setting.second, "audit." + name, "must be a file name");
          }
          const std::string file = resolve(setting.second.as<std::string>());
          if (name == "key_file") config.audit_key_file = file;
          if (name == "checkpoint_file") config.audit_checkpoint_file = file;
        }
      } else if (key == "secrets") {
        if (!value.IsMap()) return Problem(value, key, "must be a map: {key_file}");
        for (const auto& setting : value) {
          const std::string name = setting.first.as<std::string>();
          if (name != "key_file") {
            return Problem(setting.first, "secrets." + name, "unknown setting (expected key_file)");
          }
          if (!setting.second.IsScalar() || setting.second.as<std::string>().empty()) {
            return Problem(setting.second, "secrets." + name, "must be a file name");
          }
          config.secrets_key_file = resolve(setting.second.as<std::string>());
        }
      } else if (key == "store") {
        if (!value.IsMap())
          return Problem(value, key, "must be a map: {driver, dsn, pool_size, lease_ms}");
        for (const auto& setting : value) {
          const std::string name = setting.first.as<std::string>();
          if (!setting.second.IsScalar())
            return Problem(setting.second, "store." + name, "must be a value");
          const std::string text = setting.second.as<std::string>();
          if (name == "driver") {
            if (text != "sqlite" && text != "postgres") {
              return Problem(setting.second, "store.driver",
                             "must be sqlite or postgres, not \"" + text + "\"");
            }
            config.store_driver = text;
          } else if (name == "dsn") {
            if (text.empty()) return Problem(setting.second, "store.dsn", "must not be empty");
            config.store_dsn = text;
          } else if (name == "pool_size") {
            int size = 0;
            if (!absl::SimpleAtoi(text, &size) || size < 1 || size > 1000) {
              return Problem(setting.second, "store.pool_size",
                             "must be a whole number from 1 to 1000, not \"" + text + "\"");
            }
            config.store_pool_size = size;
          } else if (name == "lease_ms") {
            int64_t lease_ms = 0;
            if (!absl::SimpleAtoi(text, &lease_ms) || lease_ms < 1000 || lease_ms > 86'400'000) {
              return Problem(
                  setting.second, "store.lease_ms",
                  "must be a whole number of milliseconds from 1000 to 86400000, not \"" + text +
                      "\"");
            }
            config.store_lease_ms = lease_ms;
          } else {
            return Problem(setting.first, "store." + name,
                           "unknown setting (expected driver, dsn, pool_size, lease_ms)");
          }
        }
        if (config.store_driver == "postgres" && config.store_dsn.empty()) {
          return Problem(value, "store.dsn", "is needed with driver: postgres");
        }
        if (config.store_driver == "sqlite" && !config.store_dsn.empty()) {
          return Problem(value, "store.dsn",
                         "is only for driver: postgres (sqlite keeps its database in data_dir)");
        }
        if (config.store_driver == "sqlite" && value["lease_ms"]) {
          return Problem(value["lease_ms"], "store.lease_ms",
                         "is only for driver: postgres (one process owns an sqlite database)");
        }
      } else if (key == "web") {
        auto web = ParseWeb(value, resolve);
        if (!web.ok()) return web.status();
        config.web = *std::move(web);
      } else {
        return Problem(
            entry.first, key,
            "unknown setting (expected listen, metrics_listen, log_format, data_dir, plugin_dir, "
            "source_poll_interval_ms, drain_ms, shutdown_timeout_ms, close_check_interval_ms, "
            "reconcile_interval_ms, retry_base_ms, retry_max_ms, plugin_start_timeout_ms, "
            "stream_idle_timeout_ms, praise_monthly_allowance, praise_time_zone, roles, plugins, "
            "fulfilment, tls, auth, services, audit, secrets, store, web)");
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": line ", e.mark.line + 1, ": ", e.msg));
  }
  if (config.web.has_value() && config.web->sign_in.has_value() && !config.auth.has_value()) {
    return absl::InvalidArgumentError(
        "web.sign_in: needs auth (the issuer whose tokens plauditd accepts)");
  }
  if (config.retry_max < config.retry_base) {
    return absl::InvalidArgumentError("retry_max_ms: must not be below retry_base_ms");
  }
  return config;
}

}  // namespace plaudit
