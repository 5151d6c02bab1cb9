#include "fulfilment/announce/settings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "fulfilment/common/state_text.h"
#include "plaudit/trim.h"

namespace plaudit::fulfilment::announce {
namespace {

constexpr char kKnownKeys[] =
    "webhook_url, webhook_url_file, webhook_url_env, timeout_ms, template, ca_file";

bool IsKnownKey(const std::string& key) {
  for (const char* known : {"webhook_url", "webhook_url_file", "webhook_url_env", "timeout_ms",
                            "template", "ca_file"}) {
    if (key == known) return true;
  }
  return false;
}

std::string EscapeMarkup(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const std::string* PlaceholderValue(std::string_view name, const AnnouncedAward& award) {
  if (name == "agent") return &award.agent;
  if (name == "program") return &award.program;
  if (name == "period") return &award.period;
  if (name == "team") return &award.team;
  return nullptr;
}

}  // namespace

std::string CheckTemplate(const std::string& text) {
  const AnnouncedAward probe;
  for (size_t open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) return "template has a \"{\" without a closing \"}\"";
    const std::string_view name = std::string_view(text).substr(open + 1, close - open - 1);
    if (PlaceholderValue(name, probe) == nullptr) {
      return "template has an unknown placeholder {" + std::string(name) +
             "} (known: {agent} {program} {period} {team})";
    }
  }
  return {};
}

std::string ExpandTemplate(const std::string& text, const AnnouncedAward& award) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find('{', at);
    const size_t close = open == std::string::npos ? open : text.find('}', open);
    if (close == std::string::npos) break;
    const std::string* value =
        PlaceholderValue(std::string_view(text).substr(open + 1, close - open - 1), award);
    out.append(text, at, open - at);
    if (value != nullptr) {
      out += EscapeMarkup(*value);
    } else {
      out.append(text, open, close - open + 1);
    }
    at = close + 1;
  }
  if (at < text.size()) out.append(text, at);
  return out;
}

std::string ReadSettings(const std::map<std::string, std::string>& config,
                         const std::string& data_dir, Settings* settings) {
  *settings = Settings();
  for (const auto& [key, value] : config) {
    if (!IsKnownKey(key)) return "unknown config key \"" + key + "\" (known: " + kKnownKeys + ")";
  }
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = config.find(key);
    return it == config.end() ? nullptr : &it->second;
  };

  if (const std::string* text = get("timeout_ms")) {
    const auto value = ParseBoundedInt(*text, 1, 600000);
    if (!value) {
      return "config timeout_ms must be a whole number from 1 to 600000; got \"" + *text + "\"";
    }
    settings->timeout_ms = *value;
  }
  if (const std::string* text = get("template")) {
    if (Trim(*text).empty()) return "config template is empty";
    if (std::string error = CheckTemplate(*text); !error.empty()) return "config " + error;
    settings->message_template = *text;
  }
  if (const std::string* ca_file = get("ca_file")) {
    if (!std::filesystem::is_regular_file(*ca_file)) {
      return "config ca_file \"" + *ca_file + "\" is not a readable file";
    }
    settings->ca_file = *ca_file;
  }

  const std::string* url = get("webhook_url");
  const std::string* url_file = get("webhook_url_file");
  const std::string* url_env = get("webhook_url_env");
  if ((url != nullptr) + (url_file != nullptr) + (url_env != nullptr) > 1) {
    return "config gives more than one of webhook_url, webhook_url_file and webhook_url_env; "
           "give one";
  }
  std::string where;
  if (url != nullptr) {
    settings->webhook_url = std::string(Trim(*url));
    where = "config webhook_url";
  } else if (url_file != nullptr) {
    std::filesystem::path path(*url_file);
    if (path.is_relative() && !data_dir.empty()) path = std::filesystem::path(data_dir) / path;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "config webhook_url_file: cannot read " + path.string();
    std::stringstream text;
    text << in.rdbuf();
    settings->webhook_url = std::string(Trim(text.str()));
    where = "webhook_url_file " + path.string();
  } else {
    const std::string name = url_env != nullptr ? *url_env : kDefaultWebhookUrlEnv;
    if (name.empty()) return "config webhook_url_env is empty";
    const char* value = std::getenv(name.c_str());
    settings->webhook_url = value == nullptr ? "" : std::string(Trim(value));
    where = "environment variable " + name;
    if (settings->webhook_url.empty()) {
      return "no webhook URL: " + where + " is not set (or give webhook_url or webhook_url_file)";
    }
  }
  // The URL is a secret: say where it came from, never what it is.
  if (settings->webhook_url.empty()) return where + " is empty";
  if (settings->webhook_url.find_first_of(" \t\r\n") != std::string::npos) {
    return where + " holds whitespace; expected one URL";
  }
  if (settings->webhook_url.rfind("https://", 0) != 0 &&
      settings->webhook_url.rfind("http://", 0) != 0) {
    return where + " must be an https:// (or http://) URL";
  }
  return {};
}

}  // namespace plaudit::fulfilment::announce
