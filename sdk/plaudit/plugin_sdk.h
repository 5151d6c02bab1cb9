// The C++ side of the plugin boundary for plugin authors: derive from plaudit::sdk::Plugin,
// override what the plugin serves, and export it with PLAUDIT_PLUGIN(ClassName).
//
//   class Greeter : public plaudit::sdk::Plugin {
//     std::string Init(const InitRequest& req, PluginInfo* info) override { ... }
//     FulfilResponse Fulfil(const FulfilRequest& req) override { ... }
//   };
//   PLAUDIT_PLUGIN(Greeter)
//
// The host may call Fulfil() and Poll() from several threads at once; a plugin guards its own
// state. Exceptions never leave the plugin: the macro's glue turns them into errors.
#ifndef PLAUDIT_SDK_PLUGIN_SDK_H_
#define PLAUDIT_SDK_PLUGIN_SDK_H_

#include <boost/dll/alias.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plaudit/plugin/v1/plugin.pb.h"
#include "plaudit/plugin_abi.h"
#include "plaudit/plugin_buffer.h"

namespace plaudit::sdk {

namespace pb = ::plaudit::plugin::v1;

// A fulfilment response in one expression: Outcome(FULFIL_OUTCOME_PERMANENT, "hours: ...").
inline pb::FulfilResponse Outcome(pb::FulfilOutcome outcome, std::string error,
                                  std::string artifact = {}) {
  pb::FulfilResponse resp;
  resp.set_outcome(outcome);
  resp.set_error(std::move(error));
  resp.set_artifact(std::move(artifact));
  return resp;
}

// google.rpc codes a query refuses with (QueryResponse.code); the host passes them on.
inline constexpr int kInvalidArgument = 3;
inline constexpr int kNotFound = 5;
inline constexpr int kPermissionDenied = 7;
inline constexpr int kFailedPrecondition = 9;
inline constexpr int kUnavailable = 14;
inline constexpr int kUnauthenticated = 16;

// A query's refusal in one expression: QueryError(kNotFound, "no booking for key ...").
inline pb::QueryResponse QueryError(int code, std::string error) {
  pb::QueryResponse resp;
  resp.set_code(code);
  resp.set_error(std::move(error));
  return resp;
}

struct StateRead {
  bool ok = false;
  std::optional<std::string> value;
  std::string error;
};

// The host's services, as seen from a plugin.
class Host {
 public:
  explicit Host(const PlauditHostV1* host) : host_(*host) {}

  // Sends a request to the host; false with *error set when the host refused it.
  template <typename Request, typename Response>
  bool Call(const char* method, const Request& request, Response* response, std::string* error) {
    std::string bytes;
    request.SerializeToString(&bytes);
    PlauditBuffer out{nullptr, 0};
    int rc = host_.call(host_.context, method, reinterpret_cast<const uint8_t*>(bytes.data()),
                        bytes.size(), &out);
    std::string reply(reinterpret_cast<const char*>(out.data), out.size);
    host_.release(&out);
    if (rc != 0) {
      if (error != nullptr) *error = reply.empty() ? std::string("host call failed") : reply;
      return false;
    }
    if (!response->ParseFromString(reply)) {
      if (error != nullptr) *error = std::string("malformed host response to ") + method;
      return false;
    }
    return true;
  }

  // One read of this plugin's state, telling "absent" (ok, no value) from "the host failed"
  // (not ok, with the error). A plugin deciding whether an effect already happened needs this.
  StateRead ReadState(const std::string& key) {
    pb::StateGetRequest req;
    req.set_key(key);
    pb::StateGetResponse resp;
    StateRead read;
    read.ok = Call("state.get", req, &resp, &read.error);
    if (read.ok && resp.found()) read.value = resp.value();
    return read;
  }

  // The value stored under key in this plugin's state; nullopt when absent or when the host
  // failed (use ReadState() to tell those apart).
  std::optional<std::string> StateGet(const std::string& key) {
    pb::StateGetRequest req;
    req.set_key(key);
    pb::StateGetResponse resp;
    if (!Call("state.get", req, &resp, nullptr) || !resp.found()) return std::nullopt;
    return resp.value();
  }

  // Writes every put atomically, provided none of the keys in `absent` exists. Returns false
  // (nothing written) when a condition failed or the store refused; *error says which.
  bool StateCommit(const std::vector<std::pair<std::string, std::string>>& puts,
                   const std::vector<std::string>& absent, std::string* error) {
    return StateCommit(puts, absent, {}, error);
  }

  // As above, and also provided every key in `expected` currently holds exactly the given value
  // (a compare-and-set; a missing key fails it). Read a value, compute, then commit with the
  // value read as expected: a concurrent writer makes the commit fail instead of being lost.
  bool StateCommit(const std::vector<std::pair<std::string, std::string>>& puts,
                   const std::vector<std::string>& absent,
                   const std::vector<std::pair<std::string, std::string>>& expected,
                   std::string* error) {
    pb::StateCommitRequest req;
    for (const auto& [key, value] : puts) {
      auto* put = req.add_puts();
      put->set_key(key);
      put->set_value(value);
    }
    for (const auto& key : absent) req.add_absent(key);
    for (const auto& [key, value] : expected) {
      auto* condition = req.add_expected();
      condition->set_key(key);
      condition->set_value(value);
    }
    pb::StateCommitResponse resp;
    if (!Call("state.commit", req, &resp, error)) return false;
    if (!resp.committed() && error != nullptr) *error = resp.error();
    return resp.committed();
  }

  int64_t NowMicros() {
    pb::ClockResponse resp;
    if (!Call("clock.now", pb::ClockRequest(), &resp, nullptr)) return 0;
    return resp.unix_micros();
  }

  void Log(pb::LogRequest::Level level, const std::string& message) {
    pb::LogRequest req;
    req.set_level(level);
    req.set_message(message);
    pb::LogResponse resp;
    Call("log", req, &resp, nullptr);
  }
  void Info(const std::string& message) { Log(pb::LogRequest::INFO, message); }
  void Warning(const std::string& message) { Log(pb::LogRequest::WARNING, message); }
  void Error(const std::string& message) { Log(pb::LogRequest::ERROR, message); }

  // Validates and stores CSV event rows exactly as `plaudit metrics import` does.
  bool IngestCsv(const pb::IngestCsvRequest& request, pb::IngestCsvResponse* response,
                 std::string* error) {
    return Call("ingest.csv", request, response, error);
  }

  // Stores contacts as a platform last reported them: the host matches each fact's participant
  // to an agent, keeps the newest version of each contact and derives its metric events.
  bool IngestFacts(const pb::IngestFactsRequest& request, pb::IngestFactsResponse* response,
                   std::string* error) {
    return Call("ingest.facts", request, response, error);
  }

 private:
  PlauditHostV1 host_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;

  // Reads the configuration and describes the plugin. A non-empty return refuses to start.
  virtual std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) = 0;

  // Delivers one reward. Must be safe to repeat with the same idempotency key.
  virtual pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) {
    pb::FulfilResponse resp;
    resp.set_outcome(pb::FULFIL_OUTCOME_PERMANENT);
    resp.set_error("plugin " + request.reward_type() + " does not fulfil rewards");
    return resp;
  }

  // Where the reward placed under request.idempotency_key() stands, without placing anything
  // (see "lookup" in plugin.proto). The default cannot tell: the host fulfils again instead.
  virtual pb::FulfilResponse Lookup(const pb::FulfilRequest&) {
    pb::FulfilResponse resp;
    resp.set_outcome(pb::FULFIL_OUTCOME_UNSPECIFIED);
    resp.set_error("lookup is not supported");
    return resp;
  }

  // A named operation for people and tools (see "query" in plugin.proto).
  virtual pb::QueryResponse Query(const pb::QueryRequest& request) {
    pb::QueryResponse resp;
    resp.set_error("unknown query \"" + request.method() + "\"");
    resp.set_code(kNotFound);
    return resp;
  }

  // A vendor's status report (see "callback" in plugin.proto).
  virtual pb::CallbackResponse Callback(const pb::CallbackRequest&) {
    pb::CallbackResponse resp;
    resp.set_error("this plugin takes no callbacks");
    return resp;
  }

  // One round of a metric source's work.
  virtual pb::PollResponse Poll(const pb::PollRequest&) { return pb::PollResponse(); }

  Host& host() { return *host_; }
  void AttachHost(const PlauditHostV1* host) { host_.emplace(host); }

 private:
  std::optional<Host> host_;
};

namespace internal {

template <typename Request, typename Response, typename Fn>
int Dispatch(const uint8_t* data, size_t size, PlauditBuffer* out, Fn fn) {
  Request req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) {
    FillBuffer("malformed request", out);
    return 1;
  }
  Response resp = fn(req);
  FillBuffer(resp.SerializeAsString(), out);
  return 0;
}

template <typename P>
int Call(void* instance, const char* method, const uint8_t* data, size_t size, PlauditBuffer* out) {
  auto* plugin = static_cast<P*>(instance);
  try {
    if (std::strcmp(method, "init") == 0) {
      return Dispatch<pb::InitRequest, pb::InitResponse>(
          data, size, out, [&](const pb::InitRequest& req) {
            pb::InitResponse resp;
            resp.set_error(plugin->Init(req, resp.mutable_info()));
            return resp;
          });
    }
    if (std::strcmp(method, "fulfil") == 0) {
      return Dispatch<pb::FulfilRequest, pb::FulfilResponse>(
          data, size, out, [&](const pb::FulfilRequest& req) { return plugin->Fulfil(req); });
    }
    if (std::strcmp(method, "lookup") == 0) {
      return Dispatch<pb::FulfilRequest, pb::FulfilResponse>(
          data, size, out, [&](const pb::FulfilRequest& req) { return plugin->Lookup(req); });
    }
    if (std::strcmp(method, "query") == 0) {
      return Dispatch<pb::QueryRequest, pb::QueryResponse>(
          data, size, out, [&](const pb::QueryRequest& req) { return plugin->Query(req); });
    }
    if (std::strcmp(method, "callback") == 0) {
      return Dispatch<pb::CallbackRequest, pb::CallbackResponse>(
          data, size, out, [&](const pb::CallbackRequest& req) { return plugin->Callback(req); });
    }
    if (std::strcmp(method, "poll") == 0) {
      return Dispatch<pb::PollRequest, pb::PollResponse>(
          data, size, out, [&](const pb::PollRequest& req) { return plugin->Poll(req); });
    }
    FillBuffer(std::string("unknown method ") + method, out);
    return 1;
  } catch (const std::exception& e) {
    FillBuffer(std::string("plugin threw: ") + e.what(), out);
  } catch (...) {
    FillBuffer("plugin threw a non-standard exception", out);
  }
  return 1;
}

template <typename P>
void* Create(const PlauditHostV1* host) {
  try {
    auto* plugin = new P();
    plugin->AttachHost(host);
    return plugin;
  } catch (...) {
    return nullptr;
  }
}

template <typename P>
void Destroy(void* instance) {
  delete static_cast<P*>(instance);
}

template <typename P>
const PlauditPluginV1* Table() {
  static const PlauditPluginV1 table = {&Create<P>, &Call<P>, &ReleaseBuffer, &Destroy<P>};
  return &table;
}

}  // namespace internal
}  // namespace plaudit::sdk

// Exports ClassName as this shared object's plugin.
#define PLAUDIT_PLUGIN(ClassName)                                                        \
  namespace plaudit_plugin_exports {                                                     \
  extern "C" uint32_t PlauditAbiVersion() { return PLAUDIT_PLUGIN_ABI_VERSION; }         \
  extern "C" const PlauditPluginV1* PlauditEntry() {                                     \
    return ::plaudit::sdk::internal::Table<ClassName>();                                 \
  }                                                                                      \
  }                                                                                      \
  BOOST_DLL_ALIAS(plaudit_plugin_exports::PlauditAbiVersion, plaudit_plugin_abi_version) \
  BOOST_DLL_ALIAS(plaudit_plugin_exports::PlauditEntry, plaudit_plugin_v1)

#endif  // PLAUDIT_SDK_PLUGIN_SDK_H_
