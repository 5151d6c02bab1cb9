// Runs a real, built plugin shared object through the real C boundary, the way plauditd does:
// Boost.DLL loads it, the ABI version is checked before anything else, and every call goes through
// the plugin's function table as serialized plaudit.plugin.v1 messages.
//
// FakePluginHost is the other side of that boundary, in memory: a state store whose commits are
// atomic and honour their conditions, a clock the test sets, captured log lines, and
// "ingest.csv" and "ingest.facts" handlers the test supplies. FakePluginHost is thread-safe
// (plugins may call it from several threads at once); the ingest handler runs outside its lock and
// guards its own state. A LoadedPlugin is as thread-safe as the plugin it wraps. Destroy a
// LoadedPlugin before its host.
#ifndef PLAUDIT_TESTS_TESTING_PLUGIN_HARNESS_H_
#define PLAUDIT_TESTS_TESTING_PLUGIN_HARNESS_H_

#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plaudit/plugin/v1/plugin.pb.h"
#include "plaudit/plugin_abi.h"

namespace plaudit::testing {

namespace pb = ::plaudit::plugin::v1;

struct LogLine {
  pb::LogRequest::Level level = pb::LogRequest::LEVEL_UNSPECIFIED;
  std::string message;
};

class FakePluginHost {
 public:
  // Stores a chunk of CSV rows; returning false (with *error) is a failed host call.
  using IngestHandler = std::function<bool(const pb::IngestCsvRequest& request,
                                           pb::IngestCsvResponse* response, std::string* error)>;
  // Stores contacts ("ingest.facts"); returning false (with *error) is a failed host call.
  using FactsHandler = std::function<bool(const pb::IngestFactsRequest& request,
                                          pb::IngestFactsResponse* response, std::string* error)>;

  FakePluginHost();
  FakePluginHost(const FakePluginHost&) = delete;
  FakePluginHost& operator=(const FakePluginHost&) = delete;

  // The table handed to a plugin's create().
  const PlauditHostV1* table() const { return &table_; }

  std::optional<std::string> Get(const std::string& key) const;
  void Put(const std::string& key, const std::string& value);
  std::map<std::string, std::string> State() const;
  // From now on every commit is refused as a store error with `reason`; "" lets commits through.
  void FailCommits(const std::string& reason);

  void SetNowMicros(int64_t unix_micros);

  std::vector<LogLine> Logs() const;
  // Whether some captured log line contains `text`.
  bool Logged(const std::string& text) const;

  // Without a handler, "ingest.csv" fails. The handler is called as it is, not a copy, so it
  // may keep state (a mutable lambda's captures).
  void SetIngestHandler(IngestHandler handler);
  // As SetIngestHandler, for "ingest.facts".
  void SetFactsHandler(FactsHandler handler);

 private:
  static int Call(void* context, const char* method, const uint8_t* request, size_t request_size,
                  PlauditBuffer* response);
  // Returns false with an error message in *response when the call fails.
  bool Handle(const std::string& method, const std::string& request, std::string* response);
  bool Commit(const pb::StateCommitRequest& request, pb::StateCommitResponse* response);

  PlauditHostV1 table_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> state_;  // guarded by mu_
  std::string commit_failure_;                // guarded by mu_
  int64_t now_micros_ = 0;                    // guarded by mu_
  std::vector<LogLine> logs_;                 // guarded by mu_
  std::shared_ptr<IngestHandler> ingest_;     // guarded by mu_
  std::shared_ptr<FactsHandler> facts_;       // guarded by mu_
};

// One instance of a plugin, created against a FakePluginHost.
class LoadedPlugin {
 public:
  // Loads the shared object at `path`, checks its ABI version and creates an instance. Returns
  // nullptr with *error set when any step fails.
  static std::unique_ptr<LoadedPlugin> Load(const std::string& path, FakePluginHost* host,
                                            std::string* error);
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  // One call through the function table; false with *error when the plugin reports a failure.
  template <typename Request, typename Response>
  bool Call(const char* method, const Request& request, Response* response, std::string* error) {
    std::string reply;
    if (!CallRaw(method, request.SerializeAsString(), &reply, error)) return false;
    if (!response->ParseFromString(reply)) {
      *error = std::string("malformed response to ") + method;
      return false;
    }
    return true;
  }

  // Typed calls; a failed call is reported as a test failure and yields an empty response.
  pb::InitResponse Init(const pb::InitRequest& request);
  pb::InitResponse Init(const std::string& data_dir,
                        const std::map<std::string, std::string>& config = {});
  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request);
  pb::FulfilResponse Lookup(const pb::FulfilRequest& request);
  pb::QueryResponse Query(const std::string& method,
                          const std::map<std::string, std::string>& args = {},
                          const std::string& actor = "");
  pb::CallbackResponse Callback(const std::string& body,
                                const std::map<std::string, std::string>& headers = {});
  pb::PollResponse Poll();

 private:
  LoadedPlugin() = default;
  bool CallRaw(const char* method, const std::string& request, std::string* reply,
               std::string* error);

  boost::dll::shared_library library_;
  const PlauditPluginV1* table_ = nullptr;
  void* instance_ = nullptr;
};

// The built plugin NAME: $PLAUDIT_BUILD_DIR/plugins/NAME.so.
std::string PluginPath(const std::string& name);

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace plaudit::testing

#endif  // PLAUDIT_TESTS_TESTING_PLUGIN_HARNESS_H_
