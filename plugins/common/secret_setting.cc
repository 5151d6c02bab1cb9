#include "plugins/common/secret_setting.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plaudit/trim.h"

namespace plaudit::plugins {

std::set<std::string> SecretSettingKeys(const std::string& name) {
  return {name, name + "_file", name + "_env"};
}

std::string ReadSecretSetting(const google::protobuf::Map<std::string, std::string>& config,
                              const std::string& name, const std::string& base_dir,
                              const std::string& default_env, Secret* secret) {
  *secret = Secret();
  const auto setting = [&](const std::string& key) -> const std::string* {
    auto it = config.find(key);
    return it == config.end() ? nullptr : &it->second;
  };
  const std::string* inline_value = setting(name);
  const std::string* file = setting(name + "_file");
  const std::string* env = setting(name + "_env");
  if ((inline_value != nullptr) + (file != nullptr) + (env != nullptr) > 1) {
    return "config gives more than one of " + name + ", " + name + "_file and " + name +
           "_env; give one";
  }
  if (inline_value != nullptr) {
    secret->value = std::string(Trim(*inline_value));
    secret->where = "config " + name;
  } else if (file != nullptr) {
    std::filesystem::path path(*file);
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "config " + name + "_file: cannot read " + path.string();
    std::stringstream text;
    text << in.rdbuf();
    secret->value = std::string(Trim(text.str()));
    secret->where = name + "_file " + path.string();
  } else if (env != nullptr || !default_env.empty()) {
    const std::string variable = env != nullptr ? *env : default_env;
    if (variable.empty()) return "config " + name + "_env is empty";
    const char* value = std::getenv(variable.c_str());
    secret->value = value == nullptr ? "" : std::string(Trim(value));
    secret->where = "environment variable " + variable;
    // An unset default is as good as no setting: the caller says what it needs.
    if (env == nullptr && secret->value.empty()) secret->where.clear();
  } else {
    return {};
  }
  if (secret->where.empty()) return {};
  if (secret->value.empty()) return secret->where + " is empty";
  if (secret->value.find_first_of("\r\n") != std::string::npos) {
    return secret->where + " spans several lines; expected one";
  }
  return {};
}

}  // namespace plaudit::plugins
