// The "contact_dir" metric-source plugin: takes a contact-centre platform's records from
// JSON-lines files dropped into an inbox folder (an export, or what a Kinesis or EventBridge
// consumer writes), one record per line, and hands them to the host as contact facts
// ("ingest.facts"): the host matches agents, keeps each contact's newest version and derives the
// metric events (core/ingest/contact_ingest.h).
//
// Config keys: those of a record format and its mapping (format, source, channel_metrics, ...: see
// plugins/contact_records/contact_format.h), and
//   inbox             the folder to watch (default <data_dir>/contacts/<source>/inbox; relative
//                     to the data dir). Finished files go to processed/ beside it.
//   poll_interval_ms  the least time between two scans (default 0: every poll)
// plauditd itself reads `identity_map_file` from the same block (see docs/sources.md).
//
// Each poll takes the inbox's *.jsonl files in name order. A line's record is read as the format
// says; a readable record becomes one contact version (with no facts when no agent took part,
// which removes an earlier version's), sent to the host in batches of at most 500. A record that
// cannot be read at all (not JSON, a required field missing) is rejected here. Only once every
// batch of a file is stored are its rejected records written to processed/<name>.rejected.jsonl
// (one object per line: line, reason and the record's text) and the values left out of records
// (a score out of range) to processed/<name>.problems.txt, and the file moved to processed/<name>
// ("-1", "-2", ... before ".jsonl" when the name is taken). A crash or a host failure mid-file
// leaves the file in the inbox; the next poll sends it again, and the versions already stored
// change nothing. A host failure ends the poll.
//
// Thread-safety: polls are serialised; a poll that finds another one running returns at once.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "plaudit/plugin_sdk.h"
#include "plaudit/trim.h"
#include "plugins/common/inbox_files.h"
#include "plugins/common/json_text.h"
#include "plugins/contact_records/contact_format.h"

namespace plaudit::plugins {
namespace {

namespace pb = ::plaudit::plugin::v1;
namespace fs = std::filesystem;

constexpr char kPluginName[] = "contact_dir";
constexpr char kVersion[] = "1.0.0";
constexpr char kExtension[] = ".jsonl";
constexpr char kRejectedSuffix[] = ".rejected.jsonl";
constexpr char kProblemsSuffix[] = ".problems.txt";
constexpr int kContactsPerBatch = 500;

class ContactDirPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    const auto& config = request.config();
    for (const auto& [key, value] : config) {
      if (key != "inbox" && key != "poll_interval_ms" &&
          !contacts::ContactFormat::SettingKeys().contains(key)) {
        return "unknown config key \"" + key +
               "\" (known: format, source, inbox, poll_interval_ms, channel_metrics, "
               "handle_time, csat_attribute, nps_attribute, followup_wrapup_codes, rating_csat, "
               "reopens)";
      }
    }
    if (std::string problem = format_.Configure(config); !problem.empty()) return problem;
    const auto setting = [&](const char* key) -> std::optional<std::string> {
      auto it = config.find(key);
      if (it == config.end()) return std::nullopt;
      return it->second;
    };
    if (auto text = setting("poll_interval_ms")) {
      if (std::string problem = scans_.Parse(*text); !problem.empty()) return problem;
    }
    if (request.data_dir().empty()) return "no data dir to keep processed files in";
    std::error_code ec;
    const fs::path data_dir = fs::absolute(request.data_dir(), ec);
    if (ec) return "cannot resolve data dir " + request.data_dir() + ": " + ec.message();
    fs::path inbox = fs::path("contacts") / format_.source() / "inbox";
    if (auto text = setting("inbox")) {
      if (text->empty()) return "config inbox is empty";
      inbox = *text;
    }
    inbox_ = (data_dir / inbox).lexically_normal();  // an absolute `inbox` replaces data_dir
    processed_ = (inbox_.parent_path() / "processed").lexically_normal();

    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_METRIC_SOURCE);
    info->set_version(kVersion);
    // The host matches this source's waiting contacts by this name.
    info->add_sources(format_.source());
    if (std::string folders = CreateFolders(); !folders.empty()) host().Warning(folders);
    return {};
  }

  pb::PollResponse Poll(const pb::PollRequest&) override {
    pb::PollResponse resp;
    std::unique_lock<std::mutex> lock(poll_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return resp;
    if (!scans_.Due(host().NowMicros())) return resp;
    if (std::string error = CreateFolders(); !error.empty()) {
      resp.set_error(error);
      return resp;
    }
    std::string list_error;
    const std::vector<std::string> files = inbox::ReadyFiles(inbox_, kExtension, &list_error);
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string error = TakeFile(files[i], files.size() - i - 1);
      if (!error.empty()) {
        resp.set_error(error);
        return resp;
      }
      resp.set_files_processed(resp.files_processed() + 1);
    }
    if (!list_error.empty()) resp.set_error("contact_dir: " + list_error);
    return resp;
  }

 private:
  std::string CreateFolders() {
    for (const fs::path& dir : {inbox_, processed_}) {
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return "contact_dir: cannot create " + dir.string() + ": " + ec.message();
    }
    return {};
  }

  // Sends one file's records; "" when the file is done and moved, else why not.
  std::string TakeFile(const std::string& name, size_t waiting_after) {
    const fs::path path = inbox_ / name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "contact_dir: " + name + ": cannot open";
    std::string rejected_text;
    std::string problems_text;
    pb::IngestFactsRequest batch;
    int64_t line_number = 0;
    int64_t taken = 0, rejected = 0;
    std::string last_problem;
    const std::string lag = std::to_string(waiting_after) + " more files waiting";
    const auto send = [&]() -> std::string {
      batch.set_source(format_.source());
      batch.set_position(name + " line " + std::to_string(line_number));
      batch.set_lag(lag);
      batch.set_taken(taken);
      batch.set_rejected(rejected);
      batch.set_last_problem(last_problem);
      pb::IngestFactsResponse response;
      std::string error;
      if (!host().IngestFacts(batch, &response, &error) || !response.error().empty()) {
        return "contact_dir: " + name + ": the host could not store the contacts: " +
               (error.empty() ? response.error() : error);
      }
      for (const auto& problem : response.problems()) {
        problems_text +=
            (problem.origin().empty() ? name : problem.origin()) + ": " + problem.reason() + "\n";
      }
      batch.Clear();
      taken = rejected = 0;
      last_problem.clear();
      return {};
    };
    std::string line;
    while (std::getline(in, line)) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (Trim(line).empty()) continue;
      ++taken;
      const std::string origin = name + " line " + std::to_string(line_number);
      contacts::ReadContact read = format_.Read(line);
      for (const std::string& problem : read.problems) {
        problems_text += origin + ": " + problem + "\n";
      }
      if (!read.contact.has_value()) {
        ++rejected;
        last_problem = origin + ": " + read.rejected;
        json::Json entry = json::Json::object();
        entry["line"] = line_number;
        entry["reason"] = read.rejected;
        entry["record"] = line;
        rejected_text += json::Serialize(entry) + "\n";
        continue;
      }
      read.contact->set_origin(origin);
      *batch.add_contacts() = std::move(*read.contact);
      if (batch.contacts_size() >= kContactsPerBatch) {
        if (std::string error = send(); !error.empty()) return error;
      }
    }
    if (in.bad()) return "contact_dir: " + name + ": read error";
    if (batch.contacts_size() > 0 || taken > 0) {
      if (std::string error = send(); !error.empty()) return error;
    }
    const std::string destination =
        inbox::UnusedName(processed_, name, kExtension, kRejectedSuffix);
    std::string error;
    if (!rejected_text.empty() &&
        !inbox::WriteWhole(processed_ / (destination + kRejectedSuffix), rejected_text, &error)) {
      return "contact_dir: " + name + ": " + error;
    }
    if (!problems_text.empty() &&
        !inbox::WriteWhole(processed_ / (destination + kProblemsSuffix), problems_text, &error)) {
      return "contact_dir: " + name + ": " + error;
    }
    if (!inbox::MoveFile(path, processed_ / destination, &error)) {
      return "contact_dir: " + name + ": " + error;
    }
    host().Info(
        "contact_dir: " + name + ": " + std::to_string(line_number) + " lines taken" +
        (rejected_text.empty() ? "" : "; rejected records in " + destination + kRejectedSuffix));
    return {};
  }

  contacts::ContactFormat format_;
  fs::path inbox_;
  fs::path processed_;
  inbox::ScanInterval scans_;  // guarded by poll_mu_
  std::mutex poll_mu_;
};

}  // namespace
}  // namespace plaudit::plugins

PLAUDIT_PLUGIN(plaudit::plugins::ContactDirPlugin)
