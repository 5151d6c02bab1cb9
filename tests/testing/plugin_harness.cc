#include "tests/testing/plugin_harness.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <system_error>
#include <utility>

#include "plaudit/plugin_buffer.h"

namespace plaudit::testing {
namespace {

using sdk::FillBuffer;
using sdk::ReleaseBuffer;

template <typename Request, typename Response, typename Fn>
bool Serve(const std::string& request_bytes, std::string* response_bytes, Fn fn) {
  Request request;
  if (!request.ParseFromString(request_bytes)) {
    *response_bytes = "malformed request";
    return false;
  }
  Response response;
  if (!fn(request, &response)) return false;
  *response_bytes = response.SerializeAsString();
  return true;
}

}  // namespace

FakePluginHost::FakePluginHost() : table_{this, &FakePluginHost::Call, &ReleaseBuffer} {}

std::optional<std::string> FakePluginHost::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = state_.find(key);
  if (it == state_.end()) return std::nullopt;
  return it->second;
}

void FakePluginHost::Put(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  state_[key] = value;
}

std::map<std::string, std::string> FakePluginHost::State() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

void FakePluginHost::FailCommits(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  commit_failure_ = reason;
}

void FakePluginHost::SetNowMicros(int64_t unix_micros) {
  std::lock_guard<std::mutex> lock(mu_);
  now_micros_ = unix_micros;
}

std::vector<LogLine> FakePluginHost::Logs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return logs_;
}

bool FakePluginHost::Logged(const std::string& text) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const LogLine& line : logs_) {
    if (line.message.find(text) != std::string::npos) return true;
  }
  return false;
}

void FakePluginHost::SetIngestHandler(IngestHandler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  ingest_ = std::make_shared<IngestHandler>(std::move(handler));
}

void FakePluginHost::SetFactsHandler(FactsHandler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  facts_ = std::make_shared<FactsHandler>(std::move(handler));
}

int FakePluginHost::Call(void* context, const char* method, const uint8_t* request,
                         size_t request_size, PlauditBuffer* response) {
  auto* host = static_cast<FakePluginHost*>(context);
  std::string reply;
  const bool ok = host->Handle(
      method, std::string(reinterpret_cast<const char*>(request), request_size), &reply);
  FillBuffer(reply, response);
  return ok ? 0 : 1;
}

bool FakePluginHost::Handle(const std::string& method, const std::string& request,
                            std::string* response) {
  if (method == "state.get") {
    return Serve<pb::StateGetRequest, pb::StateGetResponse>(
        request, response, [&](const pb::StateGetRequest& req, pb::StateGetResponse* resp) {
          std::optional<std::string> value = Get(req.key());
          resp->set_found(value.has_value());
          if (value) resp->set_value(*value);
          return true;
        });
  }
  if (method == "state.commit") {
    return Serve<pb::StateCommitRequest, pb::StateCommitResponse>(
        request, response, [&](const pb::StateCommitRequest& req, pb::StateCommitResponse* resp) {
          return Commit(req, resp);
        });
  }
  if (method == "clock.now") {
    return Serve<pb::ClockRequest, pb::ClockResponse>(
        request, response, [&](const pb::ClockRequest&, pb::ClockResponse* resp) {
          std::lock_guard<std::mutex> lock(mu_);
          resp->set_unix_micros(now_micros_);
          return true;
        });
  }
  if (method == "log") {
    return Serve<pb::LogRequest, pb::LogResponse>(request, response,
                                                  [&](const pb::LogRequest& req, pb::LogResponse*) {
                                                    std::lock_guard<std::mutex> lock(mu_);
                                                    logs_.push_back({req.level(), req.message()});
                                                    return true;
                                                  });
  }
  if (method == "ingest.facts") {
    return Serve<pb::IngestFactsRequest, pb::IngestFactsResponse>(
        request, response, [&](const pb::IngestFactsRequest& req, pb::IngestFactsResponse* resp) {
          std::shared_ptr<FactsHandler> handler;
          {
            std::lock_guard<std::mutex> lock(mu_);
            handler = facts_;
          }
          std::string error = "no facts handler";
          if (handler && *handler && (*handler)(req, resp, &error)) return true;
          *response = error;
          return false;
        });
  }
  if (method == "ingest.csv") {
    return Serve<pb::IngestCsvRequest, pb::IngestCsvResponse>(
        request, response, [&](const pb::IngestCsvRequest& req, pb::IngestCsvResponse* resp) {
          std::shared_ptr<IngestHandler> handler;
          {
            std::lock_guard<std::mutex> lock(mu_);
            handler = ingest_;
          }
          std::string error = "no ingest handler";
          if (handler && *handler && (*handler)(req, resp, &error)) return true;
          *response = error;
          return false;
        });
  }
  *response = "unknown host method " + method;
  return false;
}

bool FakePluginHost::Commit(const pb::StateCommitRequest& request,
                            pb::StateCommitResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  auto refuse = [&](const std::string& reason) {
    response->set_committed(false);
    response->set_error(reason);
    return true;
  };
  if (!commit_failure_.empty()) return refuse(commit_failure_);
  for (const std::string& key : request.absent()) {
    if (state_.count(key) != 0) return refuse("condition failed: " + key + " exists");
  }
  for (const auto& expected : request.expected()) {
    auto it = state_.find(expected.key());
    if (it == state_.end() || it->second != expected.value()) {
      return refuse("condition failed: " + expected.key() + " does not hold the expected value");
    }
  }
  for (const auto& put : request.puts()) state_[put.key()] = put.value();
  response->set_committed(true);
  return true;
}

std::unique_ptr<LoadedPlugin> LoadedPlugin::Load(const std::string& path, FakePluginHost* host,
                                                 std::string* error) {
  std::unique_ptr<LoadedPlugin> plugin(new LoadedPlugin());
  try {
    plugin->library_.load(path);
    auto& abi_version = plugin->library_.get_alias<uint32_t()>(PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL);
    if (abi_version() != PLAUDIT_PLUGIN_ABI_VERSION) {
      *error = path + ": ABI version " + std::to_string(abi_version()) + ", expected " +
               std::to_string(PLAUDIT_PLUGIN_ABI_VERSION);
      return nullptr;
    }
    auto& entry = plugin->library_.get_alias<const PlauditPluginV1*()>(PLAUDIT_PLUGIN_ENTRY_SYMBOL);
    plugin->table_ = entry();
  } catch (const std::exception& e) {
    *error = path + ": " + e.what();
    return nullptr;
  }
  if (plugin->table_ == nullptr) {
    *error = path + ": no function table";
    return nullptr;
  }
  plugin->instance_ = plugin->table_->create(host->table());
  if (plugin->instance_ == nullptr) {
    *error = path + ": create() failed";
    return nullptr;
  }
  return plugin;
}

LoadedPlugin::~LoadedPlugin() {
  if (instance_ != nullptr) table_->destroy(instance_);
}

bool LoadedPlugin::CallRaw(const char* method, const std::string& request, std::string* reply,
                           std::string* error) {
  PlauditBuffer out{nullptr, 0};
  const int rc = table_->call(instance_, method, reinterpret_cast<const uint8_t*>(request.data()),
                              request.size(), &out);
  std::string bytes(reinterpret_cast<const char*>(out.data), out.size);
  table_->release(&out);
  if (rc != 0) {
    *error = bytes;
    return false;
  }
  *reply = std::move(bytes);
  return true;
}

pb::InitResponse LoadedPlugin::Init(const pb::InitRequest& request) {
  pb::InitResponse response;
  std::string error;
  if (!Call("init", request, &response, &error)) ADD_FAILURE() << "init failed: " << error;
  return response;
}

pb::InitResponse LoadedPlugin::Init(const std::string& data_dir,
                                    const std::map<std::string, std::string>& config) {
  pb::InitRequest request;
  request.set_data_dir(data_dir);
  for (const auto& [key, value] : config) (*request.mutable_config())[key] = value;
  return Init(request);
}

pb::FulfilResponse LoadedPlugin::Fulfil(const pb::FulfilRequest& request) {
  pb::FulfilResponse response;
  std::string error;
  if (!Call("fulfil", request, &response, &error)) ADD_FAILURE() << "fulfil failed: " << error;
  return response;
}

pb::FulfilResponse LoadedPlugin::Lookup(const pb::FulfilRequest& request) {
  pb::FulfilResponse response;
  std::string error;
  if (!Call("lookup", request, &response, &error)) ADD_FAILURE() << "lookup failed: " << error;
  return response;
}

pb::QueryResponse LoadedPlugin::Query(const std::string& method,
                                      const std::map<std::string, std::string>& args,
                                      const std::string& actor) {
  pb::QueryRequest request;
  request.set_method(method);
  for (const auto& [key, value] : args) (*request.mutable_args())[key] = value;
  request.set_actor(actor);
  pb::QueryResponse response;
  std::string error;
  if (!Call("query", request, &response, &error)) ADD_FAILURE() << "query failed: " << error;
  return response;
}

pb::CallbackResponse LoadedPlugin::Callback(const std::string& body,
                                            const std::map<std::string, std::string>& headers) {
  pb::CallbackRequest request;
  request.set_body(body);
  for (const auto& [key, value] : headers) (*request.mutable_headers())[key] = value;
  pb::CallbackResponse response;
  std::string error;
  if (!Call("callback", request, &response, &error)) {
    ADD_FAILURE() << "callback failed: " << error;
  }
  return response;
}

pb::PollResponse LoadedPlugin::Poll() {
  pb::PollResponse response;
  std::string error;
  if (!Call("poll", pb::PollRequest(), &response, &error)) {
    ADD_FAILURE() << "poll failed: " << error;
  }
  return response;
}

std::string PluginPath(const std::string& name) {
  const char* build_dir = std::getenv("PLAUDIT_BUILD_DIR");
  if (build_dir == nullptr || *build_dir == '\0') {
    ADD_FAILURE() << "PLAUDIT_BUILD_DIR is not set; run the tests through ctest";
    return name + ".so";
  }
  return (std::filesystem::path(build_dir) / "plugins" / (name + ".so")).string();
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "plaudit-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp: " << std::error_code(errno, std::generic_category()).message();
    return;
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace plaudit::testing
