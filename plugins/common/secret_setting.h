// A secret a plugin needs (an API token, an OAuth client secret, a signing secret) from its
// settings, in one of three ways:
//   NAME        the value itself (for a development setup: the configuration file then holds it)
//   NAME_file   a file holding it (trimmed); relative paths against `base_dir`
//   NAME_env    the environment variable holding it
// At most one of the three. Messages name the setting, the file or the variable, never the value.
#ifndef PLAUDIT_PLUGINS_COMMON_SECRET_SETTING_H_
#define PLAUDIT_PLUGINS_COMMON_SECRET_SETTING_H_

#include <set>
#include <string>

#include "google/protobuf/map.h"

namespace plaudit::plugins {

struct Secret {
  std::string value;
  // Where it came from, for messages: "config client_secret", "client_secret_file /etc/...",
  // "environment variable GENESYS_SECRET"; empty when none of the settings is given.
  std::string where;
};

// The three setting names of `name`, for a plugin's list of the settings it knows.
std::set<std::string> SecretSettingKeys(const std::string& name);

// Reads `name`'s secret into *secret ("" and *secret empty when none of its settings is given,
// unless `default_env` names a variable to read then). Otherwise the problem: two of the settings
// given, a file that cannot be read, an empty value, a value of several lines.
std::string ReadSecretSetting(const google::protobuf::Map<std::string, std::string>& config,
                              const std::string& name, const std::string& base_dir,
                              const std::string& default_env, Secret* secret);

}  // namespace plaudit::plugins

#endif  // PLAUDIT_PLUGINS_COMMON_SECRET_SETTING_H_
