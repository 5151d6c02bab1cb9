#include "core/plugin_host/plugin_host.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "core/domain/log.h"
#include "core/plugin_host/contact_facts.h"
#include "core/plugin_host/plugin_library.h"
#include "core/plugin_host/plugin_probe.h"
#include "plaudit/plugin/v1/plugin.pb.h"
#include "plaudit/plugin_abi.h"
#include "plaudit/plugin_buffer.h"

namespace plaudit {

namespace pb = ::plaudit::plugin::v1;

struct PluginHost::LoadedPlugin {
  PluginHost* host = nullptr;
  PluginStatus status;
  pb::PluginKind kind = pb::PLUGIN_KIND_UNSPECIFIED;
  // PluginInfo.allocates_in_rank_order: its rewards are scarce.
  bool allocates_in_rank_order = false;
  OpenedPlugin opened;
  PlauditHostV1 host_table{};
  // The identity_map_file setting, resolved; empty when none.
  std::string identity_map_path;
  absl::Mutex identities_mu;
  std::shared_ptr<const IdentityMap> identities ABSL_GUARDED_BY(identities_mu);
  std::filesystem::file_time_type identities_mtime ABSL_GUARDED_BY(identities_mu);
  int64_t identities_generation ABSL_GUARDED_BY(identities_mu) = 0;
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
  return CallPluginMethod(plugin.opened, method, request, response);
}

// The number of one-character edits that turn `a` into `b`.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
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
  if (response.has_redeemed_at()) {
    result.redeemed_at = absl::FromUnixSeconds(response.redeemed_at().seconds()) +
                         absl::Nanoseconds(response.redeemed_at().nanos());
  }
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
  agent->set_locale(call.agent.locale);
  for (const auto& [key, value] : call.params) (*request.mutable_params())[key] = value;
  return request;
}

}  // namespace

bool IsHostSetting(const std::string& key) {
  return key == "max_concurrency" || key == "callback_secret" || key == "identity_map_file";
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
    if (m == "ingest.facts") {
      pb::IngestFactsRequest req;
      if (!Parse(data, size, &req)) return Fail(out, "malformed ingest.facts request");
      int64_t generation = 0;
      const std::shared_ptr<const IdentityMap> identities =
          plugin->host->Identities(*plugin, &generation);
      const pb::IngestFactsResponse resp = FactsResponseFrom(
          plugin->host->contacts()->Ingest(ContactBatchFromRequest(req), identities.get()));
      FillBuffer(resp.SerializeAsString(), out);
      return 0;
    }
    return Fail(out, "unknown host method " + m);
  } catch (const std::exception& e) {
    return Fail(out, std::string("host error: ") + e.what());
  }
}

PluginHost::PluginHost(Options options, Store* store, EventIngestor* ingestor, Clock* clock)
    : options_(std::move(options)),
      store_(store),
      ingestor_(ingestor),
      clock_(clock),
      contacts_(store, clock) {}

PluginHost::~PluginHost() {
  for (auto& plugin : plugins_) {
    if (plugin->opened.instance != nullptr) plugin->opened.table->destroy(plugin->opened.instance);
    plugin->opened.instance = nullptr;
  }
}

absl::Status PluginHost::LoadDirectory(const std::string& dir) {
  std::error_code ec;
  const std::filesystem::file_status type = std::filesystem::status(dir, ec);
  if (!std::filesystem::exists(type)) {
    return absl::NotFoundError(absl::StrCat("plugin_dir: ", dir, " does not exist"));
  }
  if (!std::filesystem::is_directory(type)) {
    return absl::FailedPreconditionError(absl::StrCat("plugin_dir: ", dir, " is not a directory"));
  }
  plugin_dir_ = dir;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path());
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("plugin_dir: cannot read ", dir, ": ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  // Tried all at once, so that start-up waits for the slowest plugin (at most the time limit),
  // not for the sum of them.
  std::vector<absl::Status> probes(files.size());
  {
    std::vector<std::thread> probing;
    probing.reserve(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      probing.emplace_back([this, &files, &probes, i] { probes[i] = Probe(files[i].string()); });
    }
    for (std::thread& thread : probing) thread.join();
  }
  for (size_t i = 0; i < files.size(); ++i) LoadProbed(files[i].string(), probes[i]);
  return absl::OkStatus();
}

absl::Status PluginHost::Probe(const std::string& path) const {
  return ProbePlugin({path, InitRequestFor(std::filesystem::path(path).stem().string()),
                      clock_->Now(), options_.probe_time_limit});
}

pb::InitRequest PluginHost::InitRequestFor(const std::string& stem) const {
  pb::InitRequest init;
  init.set_data_dir(options_.data_dir);
  auto config = options_.config.find(stem);
  if (config != options_.config.end()) {
    for (const auto& [key, value] : config->second) {
      // Settings plauditd reads itself are not the plugin's.
      if (IsHostSetting(key)) continue;
      (*init.mutable_config())[key] = value;
    }
  }
  return init;
}

PluginStatus PluginHost::Load(const std::string& path) { return LoadProbed(path, Probe(path)); }

PluginStatus PluginHost::LoadProbed(const std::string& path, const absl::Status& probed) {
  auto plugin = std::make_unique<LoadedPlugin>();
  plugin->host = this;
  plugin->status.path = path;
  plugin->status.name = std::filesystem::path(path).stem().string();
  auto fail = [&](absl::string_view reason) {
    plugin->status.error = std::string(reason);
    LogWarning("plugins", absl::StrCat("skipping ", path, ": ", plugin->status.error));
    PluginStatus status = plugin->status;
    if (plugin->opened.instance != nullptr) plugin->opened.table->destroy(plugin->opened.instance);
    plugin->opened.instance = nullptr;
    plugins_.push_back(std::move(plugin));
    return status;
  };

  if (!probed.ok()) return fail(probed.message());
  // Config is looked up by file stem; the plugin's own name is known only after init.
  const pb::InitRequest init = InitRequestFor(plugin->status.name);

  plugin->host_table = PlauditHostV1{plugin.get(), &HostCall, &ReleaseBuffer};
  if (absl::Status opened = OpenPlugin(path, &plugin->host_table, nullptr, &plugin->opened);
      !opened.ok()) {
    return fail(opened.message());
  }
  absl::StatusOr<pb::PluginInfo> initialised = InitPlugin(plugin->opened, init, nullptr);
  if (!initialised.ok()) return fail(initialised.status().message());
  const pb::PluginInfo& info = *initialised;
  plugin->status.name = info.name();
  plugin->kind = info.kind();
  plugin->status.kind = KindName(info.kind());
  plugin->status.version = info.version();
  if (info.kind() == pb::PLUGIN_KIND_FULFILMENT) {
    plugin->status.serves.assign(info.reward_types().begin(), info.reward_types().end());
    plugin->allocates_in_rank_order = info.allocates_in_rank_order();
  } else {
    plugin->status.serves.assign(info.sources().begin(), info.sources().end());
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
  for (const std::string& block : {std::filesystem::path(path).stem().string(), info.name()}) {
    auto settings = options_.config.find(block);
    if (settings == options_.config.end()) continue;
    auto map = settings->second.find("identity_map_file");
    if (map == settings->second.end()) continue;
    std::filesystem::path file(map->second);
    if (file.is_relative()) file = std::filesystem::path(options_.data_dir) / file;
    plugin->identity_map_path = file.string();
  }
  LogInfo("plugins", absl::StrCat("loaded ", plugin->status.name, " ", plugin->status.version, " (",
                                  plugin->status.kind, ") from ", path));
  PluginStatus status = plugin->status;
  plugins_.push_back(std::move(plugin));
  return status;
}

absl::Status PluginHost::CheckConfigBlocks() const {
  std::set<std::string> claimants;
  std::set<std::string> stems;
  // Loaded plugins by their own name, to the file each is in.
  std::map<std::string, std::string> files_by_name;
  for (const auto& plugin : plugins_) {
    const std::filesystem::path path(plugin->status.path);
    stems.insert(path.stem().string());
    claimants.insert(path.stem().string());
    if (plugin->status.loaded) {
      claimants.insert(plugin->status.name);
      files_by_name[plugin->status.name] = path.filename().string();
    }
  }
  for (const auto& [block, settings] : options_.config) {
    if (stems.count(block) != 0) continue;
    if (auto named = files_by_name.find(block); named != files_by_name.end()) {
      // plauditd's own settings follow the plugin's name, but the plugin's settings follow its
      // file: under the name they would never reach it.
      for (const auto& [key, value] : settings) {
        if (IsHostSetting(key)) continue;
        const std::string stem = std::filesystem::path(named->second).stem().string();
        return absl::InvalidArgumentError(
            absl::StrCat("plugins.", block, ".", key, ": the plugin named ", block, " is in ",
                         named->second, " and reads its settings from plugins.", stem));
      }
      continue;
    }
    std::string closest;
    size_t closest_distance = 0;
    for (const std::string& name : claimants) {
      const size_t distance = EditDistance(block, name);
      if (closest.empty() || distance < closest_distance) {
        closest = name;
        closest_distance = distance;
      }
    }
    // A suggestion further off than a typo or two would mislead more than it helps.
    const bool near = !closest.empty() && closest_distance <= std::max<size_t>(2, block.size() / 3);
    return absl::InvalidArgumentError(
        absl::StrCat("plugins.", block, ": no plugin",
                     plugin_dir_.empty() ? "" : absl::StrCat(" in ", plugin_dir_), " is called ",
                     block, near ? absl::StrCat(" (did you mean ", closest, "?)") : ""));
  }
  return absl::OkStatus();
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

std::set<std::string> PluginHost::RewardTypesInRankOrder() const {
  std::set<std::string> types;
  for (const auto& plugin : plugins_) {
    if (!plugin->status.loaded || plugin->kind != pb::PLUGIN_KIND_FULFILMENT ||
        !plugin->allocates_in_rank_order) {
      continue;
    }
    types.insert(plugin->status.serves.begin(), plugin->status.serves.end());
  }
  return types;
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
    int64_t generation = 0;
    const std::shared_ptr<const IdentityMap> identities = Identities(*plugin, &generation);
    for (const std::string& source : plugin->status.serves) {
      auto matched = contacts_.MatchWaiting(source, identities.get(), generation);
      if (!matched.ok()) {
        LogWarning("plugins",
                   absl::StrCat(plugin->status.name, ": matching the waiting contacts of ", source,
                                " failed: ", matched.status().message()));
      } else if (*matched > 0) {
        LogInfo("plugins",
                absl::StrCat(source, ": ", *matched, " waiting contacts matched to their agents"));
      }
    }
  }
}

std::shared_ptr<const IdentityMap> PluginHost::Identities(LoadedPlugin& plugin,
                                                          int64_t* generation) const {
  absl::MutexLock lock(&plugin.identities_mu);
  *generation = plugin.identities_generation;
  if (plugin.identity_map_path.empty()) return nullptr;
  std::error_code ec;
  const std::filesystem::file_time_type mtime =
      std::filesystem::last_write_time(plugin.identity_map_path, ec);
  if (ec) {
    if (plugin.identities_mtime != std::filesystem::file_time_type::min()) {
      LogWarning("plugins",
                 absl::StrCat(plugin.status.name, ": identity_map_file ", plugin.identity_map_path,
                              ": ", ec.message(), "; keeping the map last read"));
      plugin.identities_mtime = std::filesystem::file_time_type::min();
    }
    return plugin.identities;
  }
  if (plugin.identities != nullptr && mtime == plugin.identities_mtime) return plugin.identities;
  plugin.identities_mtime = mtime;
  auto map = ReadIdentityMap(plugin.identity_map_path);
  if (!map.ok()) {
    LogWarning("plugins",
               absl::StrCat(plugin.status.name, ": ", map.status().message(),
                            plugin.identities == nullptr ? "" : "; keeping the map last read"));
    return plugin.identities;
  }
  plugin.identities = std::make_shared<const IdentityMap>(*std::move(map));
  *generation = ++plugin.identities_generation;
  return plugin.identities;
}

}  // namespace plaudit
