#include "core/plugin_host/plugin_host.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/domain/log.h"
#include "plaudit/plugin/v1/plugin.pb.h"
#include "plaudit/plugin_abi.h"
#include "plaudit/plugin_buffer.h"

namespace plaudit {

namespace pb = ::plaudit::plugin::v1;

struct PluginHost::LoadedPlugin {
  PluginHost* host = nullptr;
  PluginStatus status;
  pb::PluginKind kind = pb::PLUGIN_KIND_UNSPECIFIED;
  boost::dll::shared_library library;
  const PlauditPluginV1* table = nullptr;
  void* instance = nullptr;
  PlauditHostV1 host_table{};
};

namespace {

using sdk::FillBuffer;
using sdk::ReleaseBuffer;

int Fail(PlauditBuffer* out, const std::string& message) {
  FillBuffer(message, out);
  return 1;
}

template <typename Request>
bool Parse(const uint8_t* data, size_t size, Request* request) {
  return request->ParseFromArray(data, static_cast<int>(size));
}

std::string KindName(pb::PluginKind kind) {
  switch (kind) {
    case pb::PLUGIN_KIND_METRIC_SOURCE:
      return "metric_source";
    case pb::PLUGIN_KIND_FULFILMENT:
      return "fulfilment";
    default:
      return "";
  }
}

// Calls a plugin method with a serialized request; parses the response or returns the error.
template <typename Request, typename Response>
std::string CallPlugin(PluginHost::LoadedPlugin& plugin, const char* method, const Request& request,
                       Response* response) {
  std::string bytes = request.SerializeAsString();
  PlauditBuffer out{nullptr, 0};
  int rc = plugin.table->call(plugin.instance, method,
                              reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &out);
  std::string reply(reinterpret_cast<const char*>(out.data), out.size);
  plugin.table->release(&out);
  if (rc != 0) return reply.empty() ? std::string("plugin call failed") : reply;
  if (!response->ParseFromString(reply)) return std::string("malformed response to ") + method;
  return "";
}

}  // namespace

FulfilResult PluginHost::ToResult(const pb::FulfilResponse& response) {
  FulfilResult result;
  switch (response.outcome()) {
    case pb::FULFIL_OUTCOME_FULFILLED:
      result.outcome = FulfilOutcome::kFulfilled;
      break;
    case pb::FULFIL_OUTCOME_PENDING:
      result.outcome = FulfilOutcome::kPending;
      break;
    case pb::FULFIL_OUTCOME_RETRYABLE:
      result.outcome = FulfilOutcome::kRetryable;
      break;
    case pb::FULFIL_OUTCOME_PERMANENT:
      result.outcome = FulfilOutcome::kPermanent;
      break;
    case pb::FULFIL_OUTCOME_NOT_FOUND:
      result.outcome = FulfilOutcome::kNotFound;
      break;
    case pb::FULFIL_OUTCOME_UNSPECIFIED:
      result.outcome = FulfilOutcome::kCannotLookUp;
      break;
    default:
      result.outcome = FulfilOutcome::kUnknown;
      break;
  }
  result.error = response.error();
  result.artifact = response.artifact();
  result.retry_after = absl::Milliseconds(response.retry_after_ms());
  return result;
}

namespace {

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

pb::FulfilRequest ToRequest(const FulfilmentCall& call) {
  pb::FulfilRequest request;
  request.set_idempotency_key(call.idempotency_key);
  request.set_award_id(call.award_id);
  request.set_program_id(call.program_id);
  request.set_program_name(call.program_name);
  request.set_period(call.period);
  if (call.period_start && call.period_end) {
    SetTimestamp(*call.period_start, request.mutable_period_start());
    SetTimestamp(*call.period_end, request.mutable_period_end());
  }
  request.set_time_zone(call.time_zone);
  request.set_reward_type(call.reward_type);
  request.set_attempt(call.attempt);
  auto* agent = request.mutable_agent();
  agent->set_id(call.agent.id);
  agent->set_display_name(call.agent.display_name);
  agent->set_email(call.agent.email);
  agent->set_team(call.agent.team);
  agent->set_no_public_praise(!call.agent.public_praise);
  for (const auto& [key, value] : call.params) (*request.mutable_params())[key] = value;
  return request;
}

}  // namespace

bool IsHostSetting(const std::string& key) {
  return key == "max_concurrency" || key == "callback_secret";
}

// The host services, dispatched by method name for one plugin.
static int HostCall(void* context, const char* method, const uint8_t* data, size_t size,
                    PlauditBuffer* out) {
  auto* plugin = static_cast<PluginHost::LoadedPlugin*>(context);
  const std::string& name = plugin->status.name;
  try {
    std::string m = method == nullptr ? "" : method;
    if (m == "state.get") {
      pb::StateGetRequest req;
      if (!Parse(data, size, &req)) return Fail(out, "malformed state.get request");
      auto value = plugin->host->store()->StateGet(name, req.key());
      if (!value.ok()) return Fail(out, std::string(value.status().message()));
      pb::StateGetResponse resp;
      resp.set_found(value->has_value());
      if (value->has_value()) resp.set_value(**value);
      FillBuffer(resp.SerializeAsString(), out);
      return 0;
    }
    if (m == "state.commit") {
      pb::StateCommitRequest req;
      if (!Parse(data, size, &req)) return Fail(out, "malformed state.commit request");
      std::vector<std::pair<std::string, std::string>> puts;
      std::vector<std::pair<std::string, std::string>> expected;
      std::vector<std::string> absent(req.absent().begin(), req.absent().end());
      for (const auto& p : req.puts()) puts.emplace_back(p.key(), p.value());
      for (const auto& p : req.expected()) expected.emplace_back(p.key(), p.value());
      auto committed = plugin->host->store()->StateCommit(name, puts, absent, expected);
      pb::StateCommitResponse resp;
      if (!committed.ok()) {
        resp.set_error(std::string(committed.status().message()));
      } else {
        resp.set_committed(*committed);
        if (!*committed) resp.set_error("a condition of the commit did not hold");
      }
      FillBuffer(resp.SerializeAsString(), out);
      return 0;
    }
    if (m == "clock.now") {
      pb::ClockResponse resp;
      resp.set_unix_micros(absl::ToUnixMicros(plugin->host->clock()->Now()));
      FillBuffer(resp.SerializeAsString(), out);
      return 0;
    }
    if (m == "log") {
      pb::LogRequest req;
      if (!Parse(data, size, &req)) return Fail(out, "malformed log request");
      LogLevel level = req.level() == pb::LogRequest::ERROR     ? LogLevel::kError
                       : req.level() == pb::LogRequest::WARNING ? LogLevel::kWarning
                                                                : LogLevel::kInfo;
      Log(level, absl::StrCat("plugin/", name), req.message());
      FillBuffer(pb::LogResponse().SerializeAsString(), out);
      return 0;
    }
    if (m == "ingest.csv") {
      pb::IngestCsvRequest req;
      if (!Parse(data, size, &req)) return Fail(out, "malformed ingest.csv request");
      pb::IngestCsvResponse resp;
      std::vector<std::string> header(req.header().begin(), req.header().end());
      auto columns = ParseEventHeader(header);
      if (!columns.ok()) {
        // Without a usable header no row can be read: every row is rejected with the reason.
        for (const auto& row : req.rows()) {
          auto* e = resp.add_errors();
          e->set_line(row.line());
          e->set_reason(std::string(columns.status().message()));
        }
        resp.set_rejected(req.rows_size());
        resp.set_header_error(std::string(columns.status().message()));
      } else {
        std::vector<CsvLine> rows;
        rows.reserve(req.rows_size());
        for (const auto& row : req.rows()) {
          rows.push_back(CsvLine{row.line(), {row.fields().begin(), row.fields().end()}});
        }
        auto summary = plugin->host->ingestor()->IngestCsv(*columns, rows);
        if (!summary.ok()) {
          resp.set_error(std::string(summary.status().message()));
        } else {
          resp.set_imported(summary->imported);
          resp.set_duplicates(summary->duplicates);
          resp.set_rejected(summary->rejected);
          for (const RowError& e : summary->errors) {
            auto* err = resp.add_errors();
            err->set_line(e.line);
            err->set_reason(e.reason);
          }
        }
      }
      FillBuffer(resp.SerializeAsString(), out);
      return 0;
    }
    return Fail(out, "unknown host method " + m);
  } catch (const std::exception& e) {
    return Fail(out, std::string("host error: ") + e.what());
  }
}

PluginHost::PluginHost(Options options, Store* store, EventIngestor* ingestor, Clock* clock)
    : options_(std::move(options)), store_(store), ingestor_(ingestor), clock_(clock) {}

PluginHost::~PluginHost() {
  for (auto& plugin : plugins_) {
    if (plugin->instance != nullptr) plugin->table->destroy(plugin->instance);
    plugin->instance = nullptr;
  }
}

void PluginHost::LoadDirectory(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path());
  }
  if (ec) {
    LogWarning("plugins", absl::StrCat("cannot read plugin directory ", dir, ": ", ec.message()));
    return;
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) Load(file.string());
}

PluginStatus PluginHost::Load(const std::string& path) {
  auto plugin = std::make_unique<LoadedPlugin>();
  plugin->host = this;
  plugin->status.path = path;
  plugin->status.name = std::filesystem::path(path).stem().string();
  auto fail = [&](std::string reason) {
    plugin->status.error = std::move(reason);
    LogWarning("plugins", absl::StrCat("skipping ", path, ": ", plugin->status.error));
    PluginStatus status = plugin->status;
    if (plugin->instance != nullptr) plugin->table->destroy(plugin->instance);
    plugin->instance = nullptr;
    plugins_.push_back(std::move(plugin));
    return status;
  };

  boost::system::error_code error;
  plugin->library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                       error);
  if (error) return fail(absl::StrCat("cannot load: ", error.message()));
  // Never unmap a plugin: libraries it pulls in (cairo, fontconfig) keep process-wide caches
  // that must stay valid until exit. Marking the loaded object RTLD_NODELETE keeps it mapped.
  dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  if (!plugin->library.has(PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL)) {
    return fail(absl::StrCat("not a Plaudit plugin: no ", PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL,
                             " entry point"));
  }
  auto abi_version = plugin->library.get_alias<uint32_t()>(PLAUDIT_PLUGIN_ABI_VERSION_SYMBOL);
  uint32_t version = abi_version();
  if (version != PLAUDIT_PLUGIN_ABI_VERSION) {
    return fail(absl::StrCat("ABI version ", version, " is not supported (this plauditd speaks ",
                             PLAUDIT_PLUGIN_ABI_VERSION, ")"));
  }
  if (!plugin->library.has(PLAUDIT_PLUGIN_ENTRY_SYMBOL)) {
    return fail(absl::StrCat("no ", PLAUDIT_PLUGIN_ENTRY_SYMBOL, " entry point"));
  }
  auto entry = plugin->library.get_alias<const PlauditPluginV1*()>(PLAUDIT_PLUGIN_ENTRY_SYMBOL);
  plugin->table = entry();
  if (plugin->table == nullptr || plugin->table->create == nullptr ||
      plugin->table->call == nullptr || plugin->table->release == nullptr ||
      plugin->table->destroy == nullptr) {
    return fail("incomplete function table");
  }
  plugin->host_table = PlauditHostV1{plugin.get(), &HostCall, &ReleaseBuffer};
  plugin->instance = plugin->table->create(&plugin->host_table);
  if (plugin->instance == nullptr) return fail("create() returned no instance");

  pb::InitRequest init;
  init.set_data_dir(options_.data_dir);
  // Config is looked up by file stem; the plugin's own name is known only after init.
  auto config = options_.config.find(plugin->status.name);
  if (config != options_.config.end()) {
    for (const auto& [key, value] : config->second) {
      // Settings plauditd reads itself are not the plugin's.
      if (IsHostSetting(key)) continue;
      (*init.mutable_config())[key] = value;
    }
  }
  pb::InitResponse response;
  std::string call_error = CallPlugin(*plugin, "init", init, &response);
  if (!call_error.empty()) return fail(absl::StrCat("init failed: ", call_error));
  if (!response.error().empty()) return fail(absl::StrCat("init failed: ", response.error()));
  const pb::PluginInfo& info = response.info();
  if (info.name().empty()) return fail("init returned no plugin name");
  plugin->status.name = info.name();
  plugin->kind = info.kind();
  plugin->status.kind = KindName(info.kind());
  plugin->status.version = info.version();
  if (info.kind() == pb::PLUGIN_KIND_FULFILMENT) {
    plugin->status.serves.assign(info.reward_types().begin(), info.reward_types().end());
  } else if (info.kind() == pb::PLUGIN_KIND_METRIC_SOURCE) {
    plugin->status.serves.assign(info.sources().begin(), info.sources().end());
  } else {
    return fail("init returned an unknown plugin kind");
  }
  for (const auto& other : plugins_) {
    if (!other->status.loaded) continue;
    if (other->status.name == plugin->status.name) {
      return fail(absl::StrCat("a plugin named ", info.name(), " is already loaded from ",
                               other->status.path));
    }
    if (other->kind != pb::PLUGIN_KIND_FULFILMENT || plugin->kind != pb::PLUGIN_KIND_FULFILMENT) {
      continue;
    }
    for (const std::string& type : plugin->status.serves) {
      for (const std::string& taken : other->status.serves) {
        if (type == taken) {
          return fail(absl::StrCat("reward type ", type, " is already served by plugin ",
                                   other->status.name));
        }
      }
    }
  }
  plugin->status.loaded = true;
  LogInfo("plugins", absl::StrCat("loaded ", plugin->status.name, " ", plugin->status.version, " (",
                                  plugin->status.kind, ") from ", path));
  PluginStatus status = plugin->status;
  plugins_.push_back(std::move(plugin));
  return status;
}

std::vector<PluginStatus> PluginHost::Plugins() const {
  std::vector<PluginStatus> out;
  for (const auto& plugin : plugins_) out.push_back(plugin->status);
  return out;
}

std::set<std::string> PluginHost::RewardTypes() const {
  std::set<std::string> types;
  for (const auto& plugin : plugins_) {
    if (plugin->status.loaded && plugin->kind == pb::PLUGIN_KIND_FULFILMENT) {
      types.insert(plugin->status.serves.begin(), plugin->status.serves.end());
    }
  }
  return types;
}

PluginHost::LoadedPlugin* PluginHost::ServingPlugin(const std::string& reward_type) const {
  LoadedPlugin* target = nullptr;
  for (const auto& plugin : plugins_) {
    if (!plugin->status.loaded || plugin->kind != pb::PLUGIN_KIND_FULFILMENT) continue;
    for (const std::string& type : plugin->status.serves) {
      if (type == reward_type) target = plugin.get();
    }
  }
  return target;
}

PluginHost::LoadedPlugin* PluginHost::Named(const std::string& name) const {
  for (const auto& plugin : plugins_) {
    if (plugin->status.loaded && plugin->status.name == name) return plugin.get();
  }
  return nullptr;
}

FulfilResult PluginHost::Fulfil(const FulfilmentCall& call) {
  LoadedPlugin* target = ServingPlugin(call.reward_type);
  FulfilResult result;
  if (target == nullptr) {
    // Waiting, not failing: the reward goes out once plauditd is restarted with a plugin that
    // serves it, however long that takes.
    result.outcome = FulfilOutcome::kPending;
    result.error = absl::StrCat("no loaded plugin serves reward type ", call.reward_type);
    return result;
  }
  pb::FulfilResponse response;
  std::string error = CallPlugin(*target, "fulfil", ToRequest(call), &response);
  if (!error.empty()) {
    // We cannot tell whether the effect happened: look it up (retry with the same key).
    result.outcome = FulfilOutcome::kUnknown;
    result.error = error;
    return result;
  }
  result = ToResult(response);
  // "not found" and "unspecified" answer lookups, not fulfilment: the plugin cannot say.
  if (result.outcome == FulfilOutcome::kNotFound ||
      result.outcome == FulfilOutcome::kCannotLookUp) {
    result.outcome = FulfilOutcome::kUnknown;
  }
  return result;
}

FulfilResult PluginHost::Lookup(const FulfilmentCall& call) {
  LoadedPlugin* target = ServingPlugin(call.reward_type);
  FulfilResult result;
  if (target == nullptr) {
    result.outcome = FulfilOutcome::kPending;
    result.error = absl::StrCat("no loaded plugin serves reward type ", call.reward_type);
    return result;
  }
  pb::FulfilResponse response;
  std::string error = CallPlugin(*target, "lookup", ToRequest(call), &response);
  if (!error.empty()) {
    // A plugin built before lookups existed answers "unknown method": fulfil again instead.
    result.outcome = absl::StrContains(error, "unknown method") ? FulfilOutcome::kCannotLookUp
                                                                : FulfilOutcome::kUnknown;
    result.error = error;
    return result;
  }
  return ToResult(response);
}

template <typename Request, typename Response>
absl::StatusOr<Response> PluginHost::CallNamed(const std::string& plugin_name, const char* method,
                                               const Request& request) {
  LoadedPlugin* target = Named(plugin_name);
  if (target == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("plugin: no loaded plugin named \"", plugin_name, "\""));
  }
  Response response;
  std::string error = CallPlugin(*target, method, request, &response);
  if (!error.empty()) {
    return absl::InternalError(absl::StrCat("plugin ", plugin_name, ": ", error));
  }
  return response;
}

absl::StatusOr<pb::QueryResponse> PluginHost::Query(const std::string& plugin_name,
                                                    const pb::QueryRequest& request) {
  return CallNamed<pb::QueryRequest, pb::QueryResponse>(plugin_name, "query", request);
}

absl::StatusOr<pb::CallbackResponse> PluginHost::Callback(const std::string& plugin_name,
                                                          const pb::CallbackRequest& request) {
  return CallNamed<pb::CallbackRequest, pb::CallbackResponse>(plugin_name, "callback", request);
}

std::string PluginHost::PluginServing(const std::string& reward_type) const {
  LoadedPlugin* target = ServingPlugin(reward_type);
  return target == nullptr ? "" : target->status.name;
}

void PluginHost::PollMetricSources() {
  for (const auto& plugin : plugins_) {
    if (!plugin->status.loaded || plugin->kind != pb::PLUGIN_KIND_METRIC_SOURCE) continue;
    pb::PollResponse response;
    std::string error = CallPlugin(*plugin, "poll", pb::PollRequest(), &response);
    if (error.empty()) error = response.error();
    if (!error.empty()) {
      LogWarning("plugins", absl::StrCat(plugin->status.name, ": poll failed: ", error));
    }
  }
}

}  // namespace plaudit
