#include "fulfilment/gift_card/settings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "plaudit/trim.h"

namespace plaudit::fulfilment::gift_card {
namespace {

constexpr char kKnownKeys[] =
    "base_url, api_key_file, api_key_env, timeout_ms, catalog_ttl_s, balance_ttl_s, ca_file";

// "" or why `text` is not a whole number in [low, high].
std::string ReadInt(const std::string& key, const std::string& text, int64_t low, int64_t high,
                    int64_t* out) {
  const std::string_view digits = Trim(text);
  int64_t value = 0;
  bool ok = !digits.empty() && digits.size() <= 9;
  for (char c : digits) {
    if (c < '0' || c > '9') ok = false;
    if (ok) value = value * 10 + (c - '0');
  }
  if (!ok || value < low || value > high) {
    return key + " must be a whole number from " + std::to_string(low) + " to " +
           std::to_string(high) + "; got \"" + text + "\"";
  }
  *out = value;
  return {};
}

}  // namespace

std::string ReadSettings(const std::map<std::string, std::string>& config,
                         const std::string& data_dir, Settings* settings) {
  *settings = Settings();
  for (const auto& [key, value] : config) {
    if (key != "base_url" && key != "api_key_file" && key != "api_key_env" && key != "timeout_ms" &&
        key != "catalog_ttl_s" && key != "balance_ttl_s" && key != "ca_file") {
      return "unknown config key \"" + key + "\" (known: " + kKnownKeys + ")";
    }
  }
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = config.find(key);
    return it == config.end() ? nullptr : &it->second;
  };

  const std::string* base_url = get("base_url");
  if (base_url == nullptr || Trim(*base_url).empty()) {
    return "config base_url is required (the vendor API's root, e.g. https://api.vendor.example)";
  }
  settings->base_url = std::string(Trim(*base_url));
  if (settings->base_url.rfind("https://", 0) != 0 && settings->base_url.rfind("http://", 0) != 0) {
    return "config base_url must start with https:// (or http:// for a local sandbox); got \"" +
           settings->base_url + "\"";
  }
  while (!settings->base_url.empty() && settings->base_url.back() == '/') {
    settings->base_url.pop_back();
  }

  if (const std::string* text = get("timeout_ms")) {
    if (std::string error = ReadInt("config timeout_ms", *text, 1, 600000, &settings->timeout_ms);
        !error.empty()) {
      return error;
    }
  }
  if (const std::string* text = get("catalog_ttl_s")) {
    if (std::string error =
            ReadInt("config catalog_ttl_s", *text, 0, 86400, &settings->catalog_ttl_s);
        !error.empty()) {
      return error;
    }
  }
  if (const std::string* text = get("balance_ttl_s")) {
    if (std::string error =
            ReadInt("config balance_ttl_s", *text, 0, 86400, &settings->balance_ttl_s);
        !error.empty()) {
      return error;
    }
  }
  if (const std::string* ca_file = get("ca_file")) {
    if (!std::filesystem::is_regular_file(*ca_file)) {
      return "config ca_file \"" + *ca_file + "\" is not a readable file";
    }
    settings->ca_file = *ca_file;
  }

  const std::string* key_file = get("api_key_file");
  const std::string* key_env = get("api_key_env");
  if (key_file != nullptr && key_env != nullptr) {
    return "config gives both api_key_file and api_key_env; give one";
  }
  if (key_file != nullptr) {
    std::filesystem::path path(*key_file);
    if (path.is_relative() && !data_dir.empty()) path = std::filesystem::path(data_dir) / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "config api_key_file: cannot read " + path.string();
    std::stringstream text;
    text << in.rdbuf();
    settings->api_key = std::string(Trim(text.str()));
    if (settings->api_key.empty()) return "config api_key_file: " + path.string() + " is empty";
  } else {
    const std::string name = key_env != nullptr ? *key_env : kDefaultApiKeyEnv;
    if (name.empty()) return "config api_key_env is empty";
    const char* value = std::getenv(name.c_str());
    settings->api_key = value == nullptr ? "" : std::string(Trim(value));
    if (settings->api_key.empty()) {
      return "no vendor API key: environment variable " + name +
             " is not set (or give api_key_file)";
    }
  }
  if (settings->api_key.find_first_of("\r\n") != std::string::npos) {
    return "the vendor API key spans several lines; expected one line";
  }
  return {};
}

}  // namespace plaudit::fulfilment::gift_card
