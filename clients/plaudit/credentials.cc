#include "clients/plaudit/credentials.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"

namespace plaudit::cli {
namespace {

class CredentialsInterceptorImpl final : public grpc::experimental::Interceptor {
 public:
  CredentialsInterceptorImpl(const std::string* token, const std::string* actor,
                             const std::string* request_id)
      : token_(token), actor_(actor), request_id_(request_id) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* metadata = methods->GetSendInitialMetadata();
      if (!token_->empty()) metadata->insert({"authorization", "Bearer " + *token_});
      if (!actor_->empty()) metadata->insert({"x-plaudit-actor", *actor_});
      metadata->insert({"x-request-id", *request_id_});
    }
    methods->Proceed();
  }

 private:
  const std::string* const token_;
  const std::string* const actor_;
  const std::string* const request_id_;
};

// One id for every call of this command, which plauditd writes on its log lines and audit
// records for them: PLAUDIT_REQUEST_ID when set (a script's own), else 16 random hex digits.
std::string RequestId() {
  if (const char* given = std::getenv("PLAUDIT_REQUEST_ID"); given != nullptr && *given) {
    return given;
  }
  std::random_device random;
  const uint64_t bits = (uint64_t{random()} << 32) | random();
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

class Factory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  Factory(std::string token, std::string actor)
      : token_(std::move(token)), actor_(std::move(actor)), request_id_(RequestId()) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new CredentialsInterceptorImpl(&token_, &actor_, &request_id_);
  }

 private:
  const std::string token_;
  const std::string actor_;
  const std::string request_id_;
};

}  // namespace

std::string ProfileFilePath() {
  if (const char* explicit_path = std::getenv("PLAUDIT_CONFIG"); explicit_path && *explicit_path) {
    return explicit_path;
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/plaudit/config.yaml";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.config/plaudit/config.yaml";
  }
  return "";
}

std::optional<Profile> LoadProfile(const std::string& path, const std::string& name,
                                   std::string* problem) {
  problem->clear();
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) {
    if (name != "default") *problem = "profile " + name + ": no profile file at " + path;
    return std::nullopt;
  }
  const std::filesystem::path folder = std::filesystem::absolute(path, ec).parent_path();
  auto resolve = [&folder](const std::string& value) {
    if (value.empty() || std::filesystem::path(value).is_absolute()) return value;
    return (folder / value).lexically_normal().string();
  };
  try {
    const YAML::Node root = YAML::LoadFile(path);
    const YAML::Node profiles = root.IsMap() ? root["profiles"] : YAML::Node();
    if (!profiles.IsDefined() || !profiles.IsMap()) {
      *problem = path + ": expected a map `profiles:` of profile names to settings";
      return std::nullopt;
    }
    const YAML::Node entry = profiles[name];
    if (!entry.IsDefined()) {
      if (name != "default") *problem = path + ": no profile named \"" + name + "\"";
      return std::nullopt;
    }
    if (!entry.IsMap()) {
      *problem = path + ": line " + std::to_string(entry.Mark().line + 1) + ": profiles." + name +
                 ": must be a map of settings";
      return std::nullopt;
    }
    Profile profile;
    for (const auto& setting : entry) {
      const std::string key = setting.first.as<std::string>();
      const std::string value = setting.second.IsScalar() ? setting.second.as<std::string>() : "";
      if (key == "server") {
        profile.server = value;
      } else if (key == "ca_file") {
        profile.ca_file = resolve(value);
      } else if (key == "cert") {
        profile.cert = resolve(value);
      } else if (key == "key") {
        profile.key = resolve(value);
      } else if (key == "token_file") {
        profile.token_file = resolve(value);
      } else {
        *problem = path + ": line " + std::to_string(setting.first.Mark().line + 1) +
                   ": profiles." + name + "." + key +
                   ": unknown setting (expected server, ca_file, cert, key, token_file)";
        return std::nullopt;
      }
    }
    return profile;
  } catch (const YAML::Exception& e) {
    *problem = path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
    return std::nullopt;
  }
}

std::string ReadTokenFile(const std::string& path, std::string* problem) {
  std::ifstream in(path);
  if (!in) {
    *problem = "token file " + path + ": cannot read it";
    return "";
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(text.str()));
  if (token.empty()) *problem = "token file " + path + ": it is empty";
  return token;
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> CredentialsInterceptor(
    std::string token, std::string actor) {
  return std::make_unique<Factory>(std::move(token), std::move(actor));
}

}  // namespace plaudit::cli
